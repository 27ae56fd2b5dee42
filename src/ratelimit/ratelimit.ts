/**
 * RateLimiter keeps token buckets per key and answers, for one call, whether it may run
 * now. A call may take from several buckets at once (the class's and the method's
 * `@RateLimit`): it takes from all of them or from none. The rate-limit wrapper builds
 * the keys from the verified peer identity, the endpoint or the service, never from
 * anything the caller claims. RateLimitMetrics counts what the wrappers decided.
 */
import type { RateLimitKey, RateLimitKeyFunction, RateLimitMode, RateLimitPolicy } from '../metadata/models.js';

/** One bucket a call takes from: its key and the policy that shapes it. */
export interface BucketClaim {
  readonly key: string;
  readonly policy: RateLimitPolicy;
}

/** The answer for one call. */
export interface TakeResult {
  readonly allowed: boolean;
  /** Whole tokens left in the emptiest bucket after this call (never negative or fractional, B22). */
  readonly remaining: number;
  /** When refused: whole milliseconds until every bucket could serve the call. */
  readonly retryAfterMs: number;
}

/** RateLimiter takes tokens from buckets, all or nothing. */
export interface RateLimiter {
  readonly name: string;
  /** Takes each claim's `policy.cost` from its bucket, atomically; a refused call takes none (B21). */
  take(claims: readonly BucketClaim[]): Promise<TakeResult>;
  /**
   * The same as `take`, answered synchronously; only limiters that need no I/O have it
   * (the in-memory one), so a call that is not queued costs no promise.
   */
  takeNow?(claims: readonly BucketClaim[]): TakeResult;
  /** Releases connections to a shared store, if any. Safe to call twice. */
  close?(): Promise<void>;
}

/** What a wrapper decided for one call; `abandoned`: its caller cancelled or went away while it waited. */
export type RateLimitOutcome = 'allowed' | 'rejected' | 'shed' | 'abandoned';

/** Every outcome, in a fixed order. */
export const RATE_LIMIT_OUTCOMES: readonly RateLimitOutcome[] = Object.freeze(['allowed', 'rejected', 'shed', 'abandoned']);

/** One decision, as reported to RateLimitMetrics. */
export interface RateLimitEvent {
  readonly service: string;
  readonly endpoint: string;
  /**
   * Kinds of every bucket involved, joined with `+` (`service+peer`): a `RateLimitKey`,
   * `custom` for a key function, `in-flight` for load shedding, `client` for client pacing.
   */
  readonly keyKind: string;
  readonly outcome: RateLimitOutcome;
}

/** RateLimitMetrics receives every decision of the rate-limit and load-shedding wrappers. */
export interface RateLimitMetrics {
  readonly name: string;
  record(event: RateLimitEvent): void;
}

/** Options of `@RateLimit` and of the client rate-limit wrapper. */
export interface RateLimitOptions {
  /** Tokens added to the bucket per interval. */
  readonly tokensPerInterval: number;
  /** The interval, in milliseconds or as a unit. */
  readonly interval: number | 'second' | 'minute' | 'hour' | 'day';
  /** Tokens the bucket holds at most (the burst); defaults to `tokensPerInterval`. */
  readonly bucketSize?: number;
  /** Tokens one call takes; defaults to 1. */
  readonly cost?: number;
  /**
   * Who shares a bucket; defaults to `'peer'` (each verified caller identity per endpoint).
   * A function receives the verified caller only, never its metadata.
   */
  readonly key?: RateLimitKey | RateLimitKeyFunction;
  /** `reject` (default) answers `429` at once; `wait` queues the call FIFO. */
  readonly mode?: RateLimitMode;
  /** In `wait` mode, the longest a call waits before a `429`; defaults to one interval. */
  readonly maxWaitMs?: number;
}

/** Options of the in-process limiter. */
export interface RateLimiterOptions {
  /** Most buckets kept; the least recently used bucket is evicted beyond it. */
  readonly maxBuckets: number;
}

/** Default cap on buckets kept in memory. */
export const DEFAULT_MAX_BUCKETS = 10_000;

// Errors raised (errors/catalogue.ts): BST_ERR_RATELIMIT_EXCEEDED, BST_ERR_RATELIMIT_COST_TOO_HIGH,
// BST_ERR_RATELIMIT_STORE_UNAVAILABLE, BST_ERR_SERVER_OVERLOADED.
