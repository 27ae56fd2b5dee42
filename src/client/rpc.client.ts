import { inject, injectable, optional } from 'inversify';
import type { Codec, CodecLimits, CodecLookup } from '../codec/codec.js';
import { encodeBody } from '../codec/pipeline.js';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import type { EndpointRecord, Registry, ServiceNode } from '../registry/registry.js';
import type { Selector } from '../selector/selector.js';
import type { ClientConnection, Reply, ReplySink, RequestHeader, Transport } from '../transport/transport.js';
import { MAX_TIMEOUT_MS } from '../transport/transport.js';
import type { CancelSignal } from '../transport/cancellation.js';
import type { Binder } from '../validation/validation.js';
import type { CallOptions, Client, ClientWrapper } from './client.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { ConnectionPool } from './connection-pool.js';
import { PendingCall } from './pending-call.js';
import { nodeKey } from './node-key.js';
import { EndpointCodecs } from './endpoint-codecs.js';
import { isNodeFailure, retryDelay, type RetryOptions } from './retry.js';
import { hasMetadataKeys, metadataProblem } from '../transport/call-metadata.js';
import { currentCall } from '../server/call-scope.js';
import { HEALTH_ENDPOINT, type HealthReport } from '../server/server.js';
import { serviceProxy, type ServiceProxy } from './proxy.js';
import type { ClientOptions } from './options.js';

const NO_METADATA = Object.freeze({});

/** A node chosen for an attempt, with its pool and breaker key. */
interface Picked {
  readonly node: ServiceNode;
  readonly key: string;
}

/** Selections per attempt before giving up on finding a node whose breaker lets a call through. */
const PICKS = 8;

/** Waits `ms`, or rejects with the signal's reason when the call's deadline passes first. */
function sleep(ms: number, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort);
  });
}

/**
 * RPCClient selects a node, keeps a pool of multiplexed connections per node (dialled
 * with the service identity the server must prove, pinged to find dead peers), retries
 * what is safe to retry (on another node when there is one), skips nodes whose circuit
 * breaker is open, and rebuilds the server's errors as BastionErrors. Client wrappers run
 * around all of it, once per call.
 */
@injectable()
export class RPCClient implements Client {
  readonly name = 'rpc';
  private readonly pool: ConnectionPool;
  private readonly breakers: CircuitBreakers;
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
    this.pool = new ConnectionPool(transport, options.pool);
    this.breakers = new CircuitBreakers(options.breaker);
  }

  call<T = unknown>(service: string, endpoint: string, request: unknown, options: CallOptions = {}): Promise<T> {
    if (this.wrapper === undefined) return this.send<T>(service, endpoint, request, options);
    const metadata: Record<string, string> = { ...options.metadata };
    const sent = { ...options, metadata };
    try {
      return Promise.resolve(this.wrapper({ service, endpoint, request, options, metadata }, () => this.send(service, endpoint, request, sent))) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // No async frames on the way out and back: a call costs the promises it must wait on, no more.
  private send<T>(service: string, endpoint: string, request: unknown, given: CallOptions): Promise<T> {
    let options: CallOptions;
    let timeoutMs: number;
    try {
      options = this.inherited(given);
      timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
        throw new RangeError(`timeoutMs must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
      }
      const { metadata } = options;
      // The common empty metadata skips the walk; anything else, an array or null included, is checked.
      const empty = metadata === undefined || (typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && !hasMetadataKeys(metadata));
      const problem = empty ? undefined : metadataProblem(metadata);
      if (problem !== undefined) throw new BastionError('BST_ERR_CLIENT_METADATA_INVALID', problem);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const call = new PendingCall<T>(endpoint, timeoutMs, this.codecs, this.limits, resolve, reject);
      try {
        this.dispatch(service, endpoint, request, options, timeoutMs, call);
      } catch (error) {
        call.failed(error);
      }
    });
  }

  private dispatch<T>(service: string, endpoint: string, request: unknown, options: CallOptions, timeoutMs: number, call: PendingCall<T>): void {
    const retry = options.retry === undefined ? this.options.retry : { ...this.options.retry, ...options.retry };
    // The registry is read only when the record is needed; a fresh cached entry answers without an await.
    const found = options.contentType === undefined || retry.retries > 0 ? this.endpointCodecs?.lookup(service, endpoint) : undefined;
    if (!(found instanceof Promise)) {
      this.dispatchTo(found, service, endpoint, request, options, timeoutMs, call, retry);
      return;
    }
    found.then(
      (record) => {
        try {
          this.dispatchTo(record, service, endpoint, request, options, timeoutMs, call, retry);
        } catch (error) {
          call.failed(error);
        }
      },
      (error: unknown) => call.failed(error),
    );
  }

  private dispatchTo<T>(
    record: EndpointRecord | undefined,
    service: string,
    endpoint: string,
    request: unknown,
    options: CallOptions,
    timeoutMs: number,
    call: PendingCall<T>,
    retry: RetryOptions,
  ): void {
    // An explicit option wins, then the content type the endpoint registered, then the client default.
    const codec = this.codecs.get(options.contentType ?? record?.codec ?? this.options.contentType);
    const body = encodeRequest(codec, this.binder.toPlain(request), endpoint);
    const header = { service, endpoint, contentType: codec.contentType, metadata: options.metadata !== undefined && hasMetadataKeys(options.metadata) ? options.metadata : NO_METADATA, timeoutMs };
    const idempotent = retry.retries > 0 && record?.idempotent === true;
    this.attempts(header, body, call, retry, idempotent);
  }

  /**
   * Inside a handler, a nested call inherits the propagated metadata keys the caller sent
   * (unless it sets them) and at most the time the caller has left.
   */
  private inherited(options: CallOptions): CallOptions {
    const parent = currentCall();
    if (parent === undefined) return options;
    const metadata: Record<string, string> = {};
    for (const key of this.options.propagate) {
      const value = parent.metadata[key];
      if (value !== undefined) metadata[key] = value;
    }
    const left = parent.remainingMs();
    const cap = Number.isFinite(left) ? Math.max(1, Math.floor(left)) : undefined;
    const timeoutMs = cap === undefined ? options.timeoutMs : Math.min(options.timeoutMs ?? this.options.timeoutMs, cap);
    return { ...options, metadata: { ...metadata, ...options.metadata }, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  }

  health(service: string, options: CallOptions = {}): Promise<HealthReport> {
    return this.call<HealthReport>(service, HEALTH_ENDPOINT, undefined, { contentType: 'application/json', ...options });
  }

  proxy<T extends object>(cls: new (...args: never[]) => T, defaults?: CallOptions): ServiceProxy<T> {
    return serviceProxy(this, cls, defaults);
  }

  async close(): Promise<void> {
    this.selector.close?.();
    await this.pool.close();
  }

  /**
   * Sends the call, retrying as `retryDelay` allows: each attempt carries the time left,
   * prefers a node not tried yet, and skips nodes whose breaker is open. Resolves with a
   * response; throws the last error. The first attempt runs without an async frame when the
   * selector and the pool answer from their caches (the usual call); anything else, and every
   * retry, goes through `attemptsFrom`.
   */
  private attempts<T>(header: RequestHeader, body: Uint8Array, call: PendingCall<T>, retry: RetryOptions, idempotent: boolean): void {
    const started = performance.now();
    const signal = call.cancellation;
    let picked: Picked | Promise<Picked>;
    try {
      picked = this.pick(header.service, undefined);
    } catch (thrown) {
      call.follow(this.attemptsFrom(header, body, signal, retry, idempotent, started, { failure: thrown }));
      return;
    }
    const connection = picked instanceof Promise ? undefined : this.pool.ready(header.service, picked.node);
    if (connection === undefined) {
      call.follow(this.attemptsFrom(header, body, signal, retry, idempotent, started, { picked }));
      return;
    }
    const { key } = picked as Picked;
    const sink: ReplySink = {
      replied: (reply) => {
        if (reply.kind === 'response') {
          this.breakers.success(key);
          call.answered(reply);
        } else this.afterFailure(header, body, call, retry, idempotent, started, key, BastionError.fromWire(reply.error));
      },
      failed: (thrown) => {
        if (!BastionError.is(thrown) || signal.aborted) call.failed(thrown);
        else this.afterFailure(header, body, call, retry, idempotent, started, key, thrown);
      },
    };
    // A transport that can tell the outcome without a promise (TLS, TCP) is asked to.
    if (connection.requestTo === undefined) connection.request(header, body, signal).then(sink.replied, sink.failed);
    else connection.requestTo(header, body, signal, sink);
  }

  /** After the fast first attempt failed on node `key`: the same bookkeeping and retry decision as `attemptsFrom`. */
  private afterFailure<T>(
    header: RequestHeader,
    body: Uint8Array,
    call: PendingCall<T>,
    retry: RetryOptions,
    idempotent: boolean,
    started: number,
    key: string,
    failure: BastionError,
  ): void {
    if (isNodeFailure(failure)) this.breakers.failure(key);
    else this.breakers.success(key);
    const delay = retryDelay(failure, 1, idempotent, retry);
    if (delay === undefined) {
      call.failed(failure);
      return;
    }
    const signal = call.cancellation;
    call.follow(sleep(delay, signal).then(() => this.attemptsFrom(header, body, signal, retry, idempotent, started, { attempt: 2, first: key, nodeFailure: failure })));
  }

  /** The attempts from `start.attempt` (1 unless the fast path made the first), with what the first pick gave. */
  private async attemptsFrom(
    header: RequestHeader,
    body: Uint8Array,
    signal: CancelSignal,
    retry: RetryOptions,
    idempotent: boolean,
    started: number,
    start: { picked?: Picked | Promise<Picked>; failure?: unknown; attempt?: number; first?: string; nodeFailure?: BastionError },
  ): Promise<Reply> {
    // The nodes tried so far: the first one alone until there is a retry, without a Set per call.
    let first = start.first;
    let tried: Set<string> | undefined;
    let nodeFailure = start.nodeFailure;
    for (let attempt = start.attempt ?? 1; ; attempt++) {
      let failure: BastionError;
      try {
        // Selector and pool answer from their caches without an await when they can.
        if (attempt > 1 && tried === undefined && first !== undefined) tried = new Set([first]);
        if (attempt === 1 && start.failure !== undefined) throw start.failure;
        const picked = attempt === 1 && start.picked !== undefined ? start.picked : this.pick(header.service, tried);
        const { node, key } = picked instanceof Promise ? await picked : picked;
        if (tried === undefined) first ??= key;
        else tried.add(key);
        try {
          const ready = this.pool.ready(header.service, node);
          const connection = ready ?? (await this.connect(header.service, node));
          // The first attempt leaves at once with the caller's whole timeout; a retry carries what is left.
          const sent = attempt === 1 ? header : { ...header, timeoutMs: Math.max(1, Math.ceil(header.timeoutMs - (performance.now() - started))) };
          const reply = await connection.request(sent, body, signal);
          if (reply.kind === 'response') {
            this.breakers.success(key);
            return reply;
          }
          failure = BastionError.fromWire(reply.error);
        } catch (thrown) {
          if (!BastionError.is(thrown) || signal.aborted) throw thrown;
          failure = thrown;
        }
        if (isNodeFailure(failure)) this.breakers.failure(key);
        else this.breakers.success(key);
        nodeFailure = failure;
      } catch (thrown) {
        if (!BastionError.is(thrown) || signal.aborted) throw thrown;
        failure = thrown;
      }
      const delay = retryDelay(failure, attempt, idempotent, retry);
      // Running out of nodes after trying some says less than why the last one failed
      // (a refused connection, a server proving another identity).
      if (delay === undefined) throw ranOut(failure) && nodeFailure !== undefined ? nodeFailure : failure;
      await sleep(delay, signal);
    }
  }

  /**
   * A node for the next attempt: one not tried yet when the selector offers one, never one
   * whose breaker is open. Answers synchronously while the selector's cache does.
   */
  private pick(service: string, tried: ReadonlySet<string> | undefined): Picked | Promise<Picked> {
    for (let i = 0; i < PICKS; i++) {
      const node = this.selector.selectNow?.(service);
      if (node === undefined) return this.pickAsync(service, tried, i);
      const picked = this.acceptable(service, node, tried, i);
      if (picked !== undefined) return picked;
    }
    throw circuitOpen(service);
  }

  private async pickAsync(service: string, tried: ReadonlySet<string> | undefined, from: number): Promise<Picked> {
    for (let i = from; i < PICKS; i++) {
      const picked = this.acceptable(service, await this.selector.select(service), tried, i);
      if (picked !== undefined) return picked;
    }
    throw circuitOpen(service);
  }

  /** The `i`-th selection, unless it was tried already (for the first half of the picks) or its breaker is open. */
  private acceptable(service: string, node: ServiceNode, tried: ReadonlySet<string> | undefined, i: number): Picked | undefined {
    const key = nodeKey(service, node);
    if (tried?.has(key) === true && i < PICKS / 2) return undefined;
    return this.breakers.allow(key) ? { node, key } : undefined;
  }

  private async connect(service: string, node: ServiceNode): Promise<ClientConnection> {
    try {
      return await this.pool.get(service, node);
    } catch (error) {
      this.selector.markFailed(service, node);
      throw error;
    }
  }
}

function circuitOpen(service: string): BastionError {
  return new BastionError('BST_ERR_CLIENT_CIRCUIT_OPEN', `Every node of ${service} tried is failing; retry after the cool-down`);
}

/** Encodes the request; a value the codec cannot carry is the caller's mistake, not the server's. */
function encodeRequest(codec: Codec, value: unknown, endpoint: string): Uint8Array {
  try {
    return encodeBody(codec, value, { endpoint, body: 'request' });
  } catch (error) {
    if (BastionError.is(error) && error.code < 500) throw error;
    throw new BastionError('BST_ERR_CLIENT_ENCODE', `The request to ${endpoint} cannot be encoded as ${codec.contentType}`, {}, { cause: error });
  }
}

function ranOut(error: BastionError): boolean {
  return error.id === 'BST_ERR_CLIENT_NO_NODES' || error.id === 'BST_ERR_CLIENT_CIRCUIT_OPEN';
}
