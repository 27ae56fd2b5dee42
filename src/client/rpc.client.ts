import { inject, injectable, optional } from 'inversify';
import type { CodecLimits, CodecLookup } from '../codec/codec.js';
import { decodeBody, encodeBody } from '../codec/pipeline.js';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import { deadlineExceeded } from '../errors/factories.js';
import type { Registry, ServiceNode } from '../registry/registry.js';
import type { Selector } from '../selector/selector.js';
import type { ClientConnection, Reply, Transport } from '../transport/transport.js';
import type { Binder } from '../validation/validation.js';
import type { CallOptions, Client, ClientWrapper } from './client.js';
import { EndpointCodecs } from './endpoint-codecs.js';
import type { ClientOptions } from './options.js';
import { serviceProxy, type ServiceProxy } from './proxy.js';

const NO_METADATA = Object.freeze({});

/**
 * RPCClient selects a node, keeps one multiplexed connection per node (dialled with the
 * service identity the server must prove), and rebuilds the server's errors as
 * BastionErrors. Client wrappers run around all of it, once per call.
 */
@injectable()
export class RPCClient implements Client {
  readonly name = 'rpc';
  private readonly pool = new Map<string, Promise<ClientConnection>>();
  private readonly endpointCodecs: EndpointCodecs | undefined;

  constructor(
    @inject(TOKENS.Transport) private readonly transport: Transport,
    @inject(TOKENS.Selector) private readonly selector: Selector,
    @inject(TOKENS.CodecLookup) private readonly codecs: CodecLookup,
    @inject(TOKENS.CodecLimits) private readonly limits: CodecLimits,
    @inject(TOKENS.Binder) private readonly binder: Binder,
    @inject(TOKENS.ClientOptions) private readonly options: ClientOptions,
    // The client wrappers, already chained by the container (global `clientWrappers`).
    @optional() @inject(TOKENS.ClientWrapper) private readonly wrapper?: ClientWrapper,
    @optional() @inject(TOKENS.Registry) registry?: Registry,
  ) {
    this.endpointCodecs = registry === undefined ? undefined : new EndpointCodecs(registry);
  }

  async call<T = unknown>(service: string, endpoint: string, request: unknown, options: CallOptions = {}): Promise<T> {
    if (this.wrapper === undefined) return this.send<T>(service, endpoint, request, options);
    const metadata: Record<string, string> = { ...options.metadata };
    const sent = { ...options, metadata };
    return (await this.wrapper({ service, endpoint, request, options, metadata }, () => this.send(service, endpoint, request, sent))) as T;
  }

  private async send<T>(service: string, endpoint: string, request: unknown, options: CallOptions): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
      throw new RangeError(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
    }
    const reply = await withDeadline(timeoutMs, async (signal) => {
      // An explicit option wins, then the content type the endpoint registered, then the client default.
      const registered = options.contentType === undefined ? await this.endpointCodecs?.contentType(service, endpoint) : undefined;
      const codec = this.codecs.get(options.contentType ?? registered ?? this.options.contentType);
      const body = encodeBody(codec, this.binder.toPlain(request), { endpoint, body: 'request' });
      const header = { service, endpoint, contentType: codec.contentType, metadata: options.metadata ?? NO_METADATA, timeoutMs };
      const node = await this.selector.select(service);
      const connection = await this.connect(service, node);
      return connection.request(header, body, signal);
    });
    if (reply.kind === 'error') throw BastionError.fromWire(reply.error);
    return decodeBody(this.codecs.get(reply.contentType), reply.body, this.limits, { endpoint, body: 'response' }) as T;
  }

  proxy<T extends object>(cls: new (...args: never[]) => T, defaults?: CallOptions): ServiceProxy<T> {
    return serviceProxy(this, cls, defaults);
  }

  async close(): Promise<void> {
    this.selector.close?.();
    const connections = [...this.pool.values()];
    this.pool.clear();
    await Promise.allSettled(connections.map(async (pending) => (await pending).close()));
  }

  private async connect(service: string, node: ServiceNode): Promise<ClientConnection> {
    const key = `${service}\u0000${node.host}:${node.port}`;
    const existing = this.pool.get(key);
    if (existing !== undefined) {
      const connection = await existing.catch(() => undefined);
      if (connection !== undefined && !connection.closed) return connection;
      if (this.pool.get(key) === existing) this.pool.delete(key);
    }
    const dialing = this.transport.dial({ host: node.host, port: node.port, expectedService: service });
    this.pool.set(key, dialing);
    try {
      return await dialing;
    } catch (error) {
      if (this.pool.get(key) === dialing) this.pool.delete(key);
      this.selector.markFailed(service, node);
      throw error;
    }
  }
}

/** Runs `work` with a signal that aborts (cancelling the call on the wire) when the deadline passes. */
async function withDeadline(timeoutMs: number, work: (signal: AbortSignal) => Promise<Reply>): Promise<Reply> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = deadlineExceeded();
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
