/** What a Redis-backed limiter does when Redis cannot answer. */
export type RedisDownPolicy = 'local' | 'reject';

/** Options of `RedisRateLimiter`. */
export interface RedisRateLimiterOptions {
  /** `redis://host:port/db`; ignored when a client is given to the limiter. */
  readonly url: string;
  /** Prefix of every bucket key; replicas sharing a budget must use the same one. */
  readonly keyPrefix: string;
  /** When Redis is down: count in this process (`local`, the default) or refuse with `503` (`reject`). */
  readonly fallback: RedisDownPolicy;
  /** A command slower than this counts as Redis being down. */
  readonly commandTimeoutMs: number;
}

/** Safe defaults: local Redis, fall back to the in-process limiter. */
export const DEFAULT_REDIS_RATE_LIMITER_OPTIONS: RedisRateLimiterOptions = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  keyPrefix: 'bastion:rl:',
  fallback: 'local',
  commandTimeoutMs: 500,
});

/** Fills in defaults and refuses nonsense values. */
export function resolveRedisRateLimiterOptions(partial: Partial<RedisRateLimiterOptions> = {}): RedisRateLimiterOptions {
  const options = { ...DEFAULT_REDIS_RATE_LIMITER_OPTIONS, ...partial };
  if (options.fallback !== 'local' && options.fallback !== 'reject') throw new RangeError("redis rate limiter fallback must be 'local' or 'reject'");
  if (!Number.isSafeInteger(options.commandTimeoutMs) || options.commandTimeoutMs <= 0) throw new RangeError('commandTimeoutMs must be a positive integer');
  if (typeof options.keyPrefix !== 'string' || options.keyPrefix.length === 0) throw new RangeError('keyPrefix must be a non-empty string');
  return Object.freeze(options);
}
