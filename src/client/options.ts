import { DEFAULT_CALL_TIMEOUT_MS } from './client.js';
import { checkBreakerOptions, DEFAULT_BREAKER_OPTIONS, type BreakerOptions } from './circuit-breaker.js';
import { checkPoolOptions, DEFAULT_POOL_OPTIONS, type PoolOptions } from './connection-pool.js';
import { checkRetryOptions, DEFAULT_RETRY_OPTIONS, type RetryOptions } from './retry.js';

/** Options of the RPC client. */
export interface ClientOptions {
  /** Deadline of a call that sets none. */
  readonly timeoutMs: number;
  /** Content type of request bodies that set none. */
  readonly contentType: string;
  /**
   * Metadata keys a call made from inside a handler copies from the call being served when
   * it does not set them itself (trace ids); nothing else is forwarded.
   */
  readonly propagate: readonly string[];
  /** When and how often a failed call is retried (docs/client.md). */
  readonly retry: RetryOptions;
  /** Per-node circuit breaker. */
  readonly breaker: BreakerOptions;
  /** Connections per node and keep-alive pings. */
  readonly pool: PoolOptions;
}

/** What `BastionOptions.client` may set: any option, and any part of the nested ones. */
export type ClientOptionsInput = Partial<Omit<ClientOptions, 'retry' | 'breaker' | 'pool'>> & {
  readonly retry?: Partial<RetryOptions>;
  readonly breaker?: Partial<BreakerOptions>;
  readonly pool?: Partial<PoolOptions>;
};

/** Fills in defaults. */
export function resolveClientOptions(partial: ClientOptionsInput = {}): ClientOptions {
  const options = {
    timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
    contentType: 'application/json',
    propagate: ['trace-id', 'x-request-id'],
    ...partial,
    retry: checkRetryOptions({ ...DEFAULT_RETRY_OPTIONS, ...partial.retry }),
    breaker: checkBreakerOptions({ ...DEFAULT_BREAKER_OPTIONS, ...partial.breaker }),
    pool: checkPoolOptions({ ...DEFAULT_POOL_OPTIONS, ...partial.pool }),
  };
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0) throw new RangeError('client timeoutMs must be a positive integer');
  return options;
}
