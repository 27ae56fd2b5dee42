// The "echo" workload every contender serves: { name, count } -> { message, count }.

/** What a caller sends. */
export interface EchoRequest {
  name: string;
  count: number;
}

/** What every server answers. */
export interface EchoReply {
  message: string;
  count: number;
}

/** The payload sizes measured: the reply is about this many bytes of JSON. */
export const PAYLOADS = { small: 100, kib: 1024, big: 64 * 1024 } as const;
export type PayloadName = keyof typeof PAYLOADS;

const REPLY_OVERHEAD = '{"message":"Hello, ","count":12345}'.length;

/** A request whose JSON reply is about `bytes` long. */
export function echoRequest(bytes: number): EchoRequest {
  return { name: 'b'.repeat(Math.max(1, bytes - REPLY_OVERHEAD)), count: 12345 };
}

/** The one handler body, shared by every contender so they all do the same work. */
export function echo(request: EchoRequest): EchoReply {
  return { message: `Hello, ${request.name}`, count: request.count };
}

/** A reply is right only if it echoes the request. */
export function checkReply(request: EchoRequest, reply: unknown): void {
  const r = reply as Partial<EchoReply> | null;
  if (r === null || typeof r !== 'object' || r.count !== request.count || r.message?.length !== request.name.length + 7) {
    throw new Error(`wrong reply: ${JSON.stringify(reply)?.slice(0, 120)}`);
  }
}
