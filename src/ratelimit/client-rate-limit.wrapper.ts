import type { ClientCall, ClientWrapper } from '../client/client.js';
import { BastionError } from '../errors/bastion-error.js';
import { rateLimited } from '../errors/factories.js';
import type { RateLimitPolicy } from '../metadata/models.js';
import { MemoryRateLimiter } from './memory.rate-limiter.js';
import { parseRateLimitOptions, resolveRateLimiterOptions } from './options.js';
import type { RateLimiter, RateLimitMetrics, RateLimitOptions } from './ratelimit.js';
import { WaitQueue } from './wait-queue.js';

/** Options of the client rate-limit wrapper: a budget, and who shares it on this side. */
export interface ClientRateLimitOptions extends Omit<RateLimitOptions, 'key'> {
  /** One budget for every call (`global`), per remote service (default) or per endpoint. */
  readonly per?: 'global' | 'service' | 'endpoint';
  /** Where the buckets live; a fresh in-process limiter by default. */
  readonly limiter?: RateLimiter;
  readonly metrics?: RateLimitMetrics;
}

/**
 * A client wrapper (go-micro's `WrapClient`) that paces this caller to a known budget,
 * so it stays under a server's limit instead of collecting `429`s. In `wait` mode calls
 * go out in FIFO order as tokens come back, up to `maxWaitMs`; in `reject` mode (the
 * default, as for `@RateLimit`) or past the wait, the call fails locally with the same
 * `429 BST_ERR_RATELIMIT_EXCEEDED` a server would send, and nothing is sent.
 *
 * @example
 * ```ts
 * Bastion.create({ tls, clientWrappers: [clientRateLimitWrapper({ tokensPerInterval: 20, interval: 'second', mode: 'wait' })] });
 * ```
 * @see docs/security/rate-limiting.md
 */
export function clientRateLimitWrapper(options: ClientRateLimitOptions): ClientWrapper {
  const parsed = parseRateLimitOptions({ ...options, key: 'global' });
  if (Array.isArray(parsed)) throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `clientRateLimitWrapper: ${parsed.join('; ')}`);
  const policy: RateLimitPolicy = parsed;
  const per = options.per ?? 'service';
  const limiter = options.limiter ?? new MemoryRateLimiter(resolveRateLimiterOptions());
  const queue = new WaitQueue(limiter);
  const keyOf = (call: ClientCall) => (per === 'global' ? 'client' : per === 'service' ? `client:${call.service}` : `client:${call.service}/${call.endpoint}`);
  return async (call, next) => {
    const result = await queue.take([{ key: keyOf(call), policy }], policy.mode === 'wait', policy.maxWaitMs);
    options.metrics?.record({ service: call.service, endpoint: call.endpoint, keyKind: 'client', outcome: result.allowed ? 'allowed' : 'rejected' });
    if (!result.allowed) throw rateLimited(result.retryAfterMs);
    return next();
  };
}
