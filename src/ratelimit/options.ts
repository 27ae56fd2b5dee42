import { BastionError } from '../errors/bastion-error.js';
import type { RateLimitKey, RateLimitPolicy } from '../metadata/models.js';
import { DEFAULT_MAX_BUCKETS, type RateLimitOptions, type RateLimiterOptions } from './ratelimit.js';

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
  if (policy.mode !== 'reject' && policy.mode !== 'wait') return "mode must be 'reject' or 'wait'";
  if (policy.mode === 'wait' && (!Number.isSafeInteger(policy.maxWaitMs) || policy.maxWaitMs <= 0)) return 'maxWaitMs must be a positive integer';
  return undefined;
}

/**
 * Throws unless one claim can ever be served: an invalid policy is a configuration error,
 * and a cost above the bucket size is refused at once with no retry-after (B21).
 */
export function checkClaim(policy: RateLimitPolicy): void {
  const problem = rateLimitPolicyProblem(policy);
  if (problem !== undefined) throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `Invalid rate-limit policy: ${problem}`);
  if (policy.cost > policy.bucketSize) {
    throw new BastionError('BST_ERR_RATELIMIT_COST_TOO_HIGH', `A call costs ${policy.cost} tokens; the bucket holds at most ${policy.bucketSize}`);
  }
}

/** The part of a bucket's identity that comes from its policy: two shapes never share a bucket. */
export function policyShape(policy: RateLimitPolicy): string {
  return `${policy.tokensPerInterval}/${policy.intervalMs}/${policy.bucketSize}|`;
}

const UNIT_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const KEYS: readonly RateLimitKey[] = ['global', 'service', 'endpoint', 'peer'];

function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Turns `@RateLimit` options into a frozen policy with defaults, or the list of what is wrong. */
export function parseRateLimitOptions(options: RateLimitOptions): RateLimitPolicy | string[] {
  const intervalMs = typeof options.interval === 'string' ? UNIT_MS[options.interval] : options.interval;
  const bucketSize = options.bucketSize ?? options.tokensPerInterval;
  const cost = options.cost ?? 1;
  const key = options.key ?? 'peer';
  const mode = options.mode ?? 'reject';
  const maxWaitMs = mode === 'wait' ? (options.maxWaitMs ?? intervalMs) : 0;
  const problems: string[] = [];
  if (!positiveInteger(options.tokensPerInterval)) problems.push('tokensPerInterval must be a positive integer');
  if (!positiveInteger(intervalMs)) problems.push('interval must be a positive integer of milliseconds or a unit');
  if (!positiveInteger(bucketSize)) problems.push('bucketSize must be a positive integer');
  if (!positiveInteger(cost)) problems.push('cost must be a positive integer');
  else if (positiveInteger(bucketSize) && cost > bucketSize) problems.push('cost must not exceed bucketSize (B21)');
  if (typeof key !== 'function' && !KEYS.includes(key)) problems.push(`key must be one of ${KEYS.join(', ')} or a function`);
  if (mode !== 'reject' && mode !== 'wait') problems.push("mode must be 'reject' or 'wait'");
  else if (mode === 'wait' && !positiveInteger(maxWaitMs)) problems.push('maxWaitMs must be a positive integer');
  if (problems.length > 0) return problems;
  return Object.freeze({ tokensPerInterval: options.tokensPerInterval, intervalMs, bucketSize, cost, key, mode, maxWaitMs });
}
