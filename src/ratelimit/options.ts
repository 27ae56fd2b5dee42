import type { RateLimitPolicy } from '../metadata/models.js';
import { DEFAULT_MAX_BUCKETS, type RateLimiterOptions } from './ratelimit.js';

/** Default cap on buckets kept in memory (declared in `ratelimit.ts`). */
export { DEFAULT_MAX_BUCKETS };

/** Safe defaults for the in-process limiter. */
export const DEFAULT_RATE_LIMITER_OPTIONS: RateLimiterOptions = Object.freeze({ maxBuckets: DEFAULT_MAX_BUCKETS });

/** Fills in defaults and refuses nonsense values. */
export function resolveRateLimiterOptions(partial: Partial<RateLimiterOptions> = {}): RateLimiterOptions {
  const options = { ...DEFAULT_RATE_LIMITER_OPTIONS, ...partial };
  if (!Number.isSafeInteger(options.maxBuckets) || options.maxBuckets <= 0) throw new RangeError('rate limiter option maxBuckets must be a positive integer');
  return Object.freeze(options);
}

/**
 * Why a policy cannot be enforced, or `undefined` when it can. `@RateLimit` refuses the
 * same things when a class is defined; limiters check again because a policy may be built
 * by hand, and `limiter` reads a bucket size of 0 as "no limit at all".
 */
export function rateLimitPolicyProblem(policy: RateLimitPolicy): string | undefined {
  const { tokensPerInterval, intervalMs, bucketSize, cost } = policy;
  if (!Number.isSafeInteger(tokensPerInterval) || tokensPerInterval <= 0) return 'tokensPerInterval must be a positive integer';
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) return 'intervalMs must be a positive integer';
  if (!Number.isSafeInteger(bucketSize) || bucketSize <= 0) return 'bucketSize must be a positive integer';
  if (!Number.isSafeInteger(cost) || cost <= 0) return 'cost must be a positive integer';
  return undefined;
}
