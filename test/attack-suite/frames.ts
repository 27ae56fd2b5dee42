// The attacker's own framing, written from docs/wire-protocol.md and nothing in src/: an
// outside party speaks the protocol from its description, and the naive fixture too.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** Frame kinds from docs/wire-protocol.md. */
export const FRAME_KIND = { request: 1, response: 2, error: 3 } as const;

/** One decoded frame. */
export interface Frame {
  readonly kind: number;
  readonly callId: number;
  readonly header: Buffer;
  readonly body: Buffer;
}

/** What a peer got back for one call: a reply, an error frame, or nothing before the close. */
export type Reply =
  | { readonly kind: 'response'; readonly body: unknown }
  | { readonly kind: 'error'; readonly error: { id?: string; code?: number; detail?: string } }
  | { readonly kind: 'closed' };

/** Encodes one frame: u32 length, kind, u32 call id, u32 header length, header, body. */
export function encodeFrame(kind: number, callId: number, header: Buffer, body: Buffer): Buffer {
  const prefix = Buffer.alloc(13);
  prefix.writeUInt32BE(9 + header.length + body.length, 0);
  prefix.writeUInt8(kind, 4);
  prefix.writeUInt32BE(callId, 5);
  prefix.writeUInt32BE(header.length, 9);
  return Buffer.concat([prefix, header, body]);
}

/** A JSON request frame, with `metadata` as the header's metadata map. */
export function requestFrame(callId: number, endpoint: string, body: string | Buffer, metadata: Record<string, string> = {}): Buffer {
  const header = Buffer.from(JSON.stringify({ service: 'accounts', endpoint, contentType: 'application/json', metadata, timeoutMs: 0 }));
  return encodeFrame(FRAME_KIND.request, callId, header, Buffer.isBuffer(body) ? body : Buffer.from(body));
}

/** Splits a byte stream into frames, with no limit at all (the naive server uses it as it is). */
export class FrameReader {
  private pending = Buffer.alloc(0);

  /** Bytes held for frames not complete yet. */
  get heldBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Frame[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readUInt32BE(0)) {
      const length = this.pending.readUInt32BE(0);
      const payload = this.pending.subarray(4, 4 + length);
      const headerLength = payload.readUInt32BE(5);
      frames.push({ kind: payload.readUInt8(0), callId: payload.readUInt32BE(1), header: payload.subarray(9, 9 + headerLength), body: payload.subarray(9 + headerLength) });
      this.pending = this.pending.subarray(4 + length);
    }
    return frames;
  }
}

/** A raw connection that sends hand-made frames and matches replies by call id. */
export class RawPeer {
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 1;
  private closed = false;
  /** The connection-level error frame (call id 0), if the server sent one. */
  connectionError: Reply | undefined;

  constructor(readonly socket: Socket) {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) this.settle(frame);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const resolve of this.waiting.values()) resolve(this.connectionError ?? { kind: 'closed' });
      this.waiting.clear();
    });
  }

  /** Sends a JSON request for `endpoint` (or raw bytes as its body) and waits for its reply. */
  call(endpoint: string, body: unknown, metadata: Record<string, string> = {}): Promise<Reply> {
    const callId = this.nextId++;
    const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body);
    return this.sendAndWait(callId, requestFrame(callId, endpoint, bytes, metadata));
  }

  /** Writes any bytes and waits for the reply to `callId` (or the close). */
  sendAndWait(callId: number, bytes: Buffer): Promise<Reply> {
    if (this.closed) return Promise.resolve(this.connectionError ?? { kind: 'closed' });
    const reply = new Promise<Reply>((resolve) => this.waiting.set(callId, resolve));
    this.socket.write(bytes);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private settle(frame: Frame): void {
    const reply: Reply =
      frame.kind === FRAME_KIND.response
        ? { kind: 'response', body: frame.body.length === 0 ? undefined : JSON.parse(frame.body.toString('utf8')) }
        : { kind: 'error', error: JSON.parse(frame.header.toString('utf8')) };
    if (frame.callId === 0) {
      this.connectionError = reply;
      for (const resolve of this.waiting.values()) resolve(reply);
      this.waiting.clear();
      return;
    }
    this.waiting.get(frame.callId)?.(reply);
    this.waiting.delete(frame.callId);
  }
}

/** Opens plain TCP to a loopback port. */
export function openTcp(port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port }, () => resolve(new RawPeer(socket)));
    socket.once('error', reject);
  });
}

/** Opens TLS to a loopback port; rejects with the handshake error, if any. */
export function openTls(port: number, options: ConnectionOptions): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    // Under TLS 1.3 a server refuses a client certificate after the client's side of the
    // handshake is done, so such a refusal shows as a closed connection on the first call.
    const socket: TLSSocket = connectTls({ host: '127.0.0.1', port, ...options }, () => resolve(new RawPeer(socket)));
    socket.once('error', reject);
  });
}

/** A short description of a reply, for the report. */
export function describeReply(reply: Reply): string {
  if (reply.kind === 'response') return `answered ${JSON.stringify(reply.body).slice(0, 60)}`;
  if (reply.kind === 'error') return `${reply.error.code ?? '?'} ${reply.error.id ?? '?'}`;
  return 'connection closed';
}

/** Runs `act` on a connection and closes it whatever happens. */
export async function withPeer<T>(open: Promise<RawPeer>, act: (peer: RawPeer) => Promise<T>): Promise<T> {
  const peer = await open;
  try {
    return await act(peer);
  } finally {
    peer.close();
  }
}
