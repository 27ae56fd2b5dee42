/**
 * RateLimiter keeps token buckets per key and answers, for one call, whether it may run
 * now. The rate-limit wrapper builds the key from the verified peer identity, the endpoint
 * or the service, never from anything the caller claims.
 */
import type { RateLimitPolicy } from '../metadata/models.js';

/** The answer for one call. */
export interface TakeResult {
  readonly allowed: boolean;
  /** Whole tokens left after this call (never negative or fractional, B22). */
  readonly remaining: number;
  /** When refused: whole milliseconds until the call could succeed. */
  readonly retryAfterMs: number;
}

/** RateLimiter takes tokens from the bucket of a key. */
export interface RateLimiter {
  readonly name: string;
  /** Takes `policy.cost` tokens from the bucket `key`; a refused call takes none (B21). */
  take(key: string, policy: RateLimitPolicy): Promise<TakeResult>;
}

/** Options of the in-process limiter. */
export interface RateLimiterOptions {
  /** Most buckets kept; the least recently used bucket is evicted beyond it. */
  readonly maxBuckets: number;
}

/** Default cap on buckets kept in memory. */
export const DEFAULT_MAX_BUCKETS = 10_000;

// Errors raised (errors/catalogue.ts): BST_ERR_RATELIMIT_EXCEEDED, BST_ERR_RATELIMIT_COST_TOO_HIGH.
