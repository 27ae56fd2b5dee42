// The deliberately naive set-up: the same Accounts service served the way many stacks do
// by default (go-micro's plain transport, a trusted "caller" header, JSON.parse straight
// into the handler, no limits) and an open registry. It exists only in this suite.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import { Accounts } from '../../examples/threat-model/accounts.service.js';
import type { CallContext } from '../../src/index.js';
import { encodeFrame, FRAME_KIND, FrameReader, openTcp, type Reply } from './frames.js';

/** A node as the open registry stores it: anyone may write one, nothing is checked. */
export interface OpenNode {
  readonly id: string;
  readonly host: string;
  readonly port: number;
}

/** The little an open registry needs from its store: plain keys and values, no checks. */
export interface OpenStore {
  /** The store key of one node, as anyone who knows the layout can write it. */
  keyOf(service: string, nodeId: string): string;
  set(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | null>;
  delete(key: string): Promise<void>;
  values(service: string): Promise<string[]>;
}

/** An open store in Redis under `prefix`. */
export function openRedisStore(redis: Redis, prefix: string): OpenStore {
  return {
    keyOf: (service, nodeId) => `${prefix}:${service}:${nodeId}`,
    set: async (key, value) => void (await redis.set(key, value, 'PX', 60_000)),
    get: (key) => redis.get(key),
    delete: async (key) => void (await redis.del(key)),
    values: async (service) => {
      const keys = await redis.keys(`${prefix}:${service}:*`);
      return keys.length === 0 ? [] : (await redis.mget(...keys)).flatMap((value) => (value === null ? [] : [value]));
    },
  };
}

/** An open store in a NATS KV bucket. */
export async function openNatsStore(connection: NatsConnection, bucket: string): Promise<OpenStore> {
  const kv = await connection.jetstream().views.kv(bucket, { history: 1 });
  const get = async (key: string) => {
    const entry = await kv.get(key);
    return entry === null || entry.operation !== 'PUT' ? null : entry.string();
  };
  return {
    keyOf: (service, nodeId) => `${service}.${nodeId}`,
    set: async (key, value) => void (await kv.put(key, value)),
    get,
    delete: (key) => kv.purge(key),
    values: async (service) => {
      const keys: string[] = [];
      for await (const key of await kv.keys(`${service}.>`)) keys.push(key);
      const values = await Promise.all(keys.map(get));
      return values.flatMap((value) => (value === null ? [] : [value]));
    },
  };
}

/** go-micro-style registry: plain JSON records, written and read with no checks. */
export class OpenRegistry {
  constructor(readonly store: OpenStore) {}

  async register(service: string, node: OpenNode): Promise<void> {
    await this.store.set(this.store.keyOf(service, node.id), JSON.stringify(node));
  }

  async deregister(service: string, nodeId: string): Promise<void> {
    await this.store.delete(this.store.keyOf(service, nodeId));
  }

  async nodes(service: string): Promise<OpenNode[]> {
    return (await this.store.values(service)).map((value) => JSON.parse(value) as OpenNode);
  }

  /** The raw stored text of one node, as anyone with store access can read it. */
  async raw(service: string, nodeId: string): Promise<string | null> {
    return this.store.get(this.store.keyOf(service, nodeId));
  }
}

type Handler = (request: unknown, ctx: CallContext) => unknown;

/** The naive server: plain TCP and TLS without client certificates, over the same frames. */
export class NaiveSetup {
  readonly accounts = new Accounts();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly readers = new Set<FrameReader>();
  tcpPort = 0;
  tlsPort = 0;

  /** Listens on plain TCP, and on TLS 1.0+ with no client certificate (pre-Go-1.22 defaults). */
  async start(serverPem: { certPem: string; keyPem: string }): Promise<void> {
    const tcp = createTcpServer((socket) => this.serve(socket));
    const tls = createTlsServer({ cert: serverPem.certPem, key: serverPem.keyPem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (socket) => this.serve(socket));
    this.tcpPort = await listen(tcp);
    this.tlsPort = await listen(tls);
    this.servers.push(tcp, tls);
  }

  /** Bytes the server holds for unfinished frames, over all connections. */
  heldBytes(): number {
    return [...this.readers].reduce((sum, reader) => sum + reader.heldBytes, 0);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader();
    this.readers.add(reader);
    socket.on('close', () => this.readers.delete(reader));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of reader.push(chunk)) void this.answer(socket, frame.callId, frame.header, frame.body);
      } catch (error) {
        socket.end(errorFrame(0, error));
      }
    });
  }

  private async answer(socket: Socket, callId: number, headerBytes: Buffer, body: Buffer): Promise<void> {
    try {
      const header = JSON.parse(headerBytes.toString()) as { endpoint: string; metadata?: Record<string, string> };
      const method = header.endpoint.split('.')[1] ?? '';
      const handler = (this.accounts as unknown as Record<string, Handler>)[method];
      if (typeof handler !== 'function') throw new Error(`no endpoint ${header.endpoint}`);
      const ctx = { peer: { identity: { name: header.metadata?.['caller'] ?? 'anonymous' } } } as unknown as CallContext;
      const result = await handler.call(this.accounts, JSON.parse(body.toString()), ctx);
      socket.write(encodeFrame(FRAME_KIND.response, callId, Buffer.from('{"contentType":"application/json"}'), Buffer.from(JSON.stringify(result))));
    } catch (error) {
      socket.write(errorFrame(callId, error));
    }
  }
}

// The naive server echoes the exception, stack and all, as many do.
function errorFrame(callId: number, error: unknown): Buffer {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return encodeFrame(FRAME_KIND.error, callId, Buffer.from(JSON.stringify({ id: 'internal', code: 500, detail })), Buffer.alloc(0));
}

/** Listens on a free loopback port and resolves with it. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** The naive client: plain TCP, the caller's name claimed in a header, one call per connection. */
export async function naiveCall(port: number, endpoint: string, body: unknown, caller = 'frontend'): Promise<Reply> {
  const peer = await openTcp(port);
  try {
    return await peer.call(endpoint, body, { caller });
  } finally {
    peer.close();
  }
}
