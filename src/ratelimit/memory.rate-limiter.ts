import { inject, injectable, optional } from 'inversify';
import { TokenBucket } from 'limiter';
import { TOKENS } from '../container/tokens.js';
import type { RateLimitPolicy } from '../metadata/models.js';
import { SYSTEM_CLOCK, type Clock } from './clock.js';
import { checkClaim, policyShape, resolveRateLimiterOptions } from './options.js';
import type { BucketClaim, RateLimiter, RateLimiterOptions, TakeResult } from './ratelimit.js';

/**
 * limiter's TokenBucket, refilled from an injected Clock. limiter reads time from its own
 * module, and `drip()` is the one place it does, so this override is all it takes for
 * tests to move time without sleeping.
 */
class ClockedTokenBucket extends TokenBucket {
  constructor(
    policy: RateLimitPolicy,
    private readonly clock: Clock,
  ) {
    super({ bucketSize: policy.bucketSize, tokensPerInterval: policy.tokensPerInterval, interval: policy.intervalMs });
    // limiter starts a bucket empty, which would refuse the first calls of every new key.
    this.content = policy.bucketSize;
    this.lastDrip = clock.now();
  }

  override drip(): boolean {
    const now = this.clock.now();
    const before = this.content;
    this.content = Math.min(this.bucketSize, before + (Math.max(now - this.lastDrip, 0) * this.tokensPerInterval) / this.interval);
    this.lastDrip = now;
    return Math.floor(this.content) > Math.floor(before);
  }

  /** Whole milliseconds until `count` tokens are in the bucket, at least 1 (B22). */
  waitMs(count: number): number {
    this.drip();
    // Multiplying before dividing keeps 1 token at 2 per hour at exactly 1,800,000 ms.
    return Math.max(1, Math.ceil(((count - this.content) * this.interval) / this.tokensPerInterval));
  }
}

/**
 * MemoryRateLimiter keeps one `limiter` token bucket per key and bucket shape in this
 * process. A call never waits here: it takes its tokens now or is refused with the time
 * until it could succeed (`wait` mode queues in the wrapper). Buckets live in an LRU map
 * capped at `maxBuckets`.
 */
@injectable()
export class MemoryRateLimiter implements RateLimiter {
  readonly name = 'memory';
  private readonly options: RateLimiterOptions;
  private readonly buckets = new Map<string, ClockedTokenBucket>();
  private readonly shapes = new WeakMap<RateLimitPolicy, string>();

  constructor(
    @inject(TOKENS.RateLimiterOptions) options: RateLimiterOptions,
    @optional() @inject(TOKENS.Clock) private readonly clock: Clock = SYSTEM_CLOCK,
  ) {
    this.options = resolveRateLimiterOptions(options);
  }

  /** How many buckets are kept now; never more than `maxBuckets`. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes each claim's cost from its bucket, all or nothing. A cost above the bucket size
   * can never succeed, so it throws `BST_ERR_RATELIMIT_COST_TOO_HIGH` (429, no retry-after)
   * instead of returning a wait that would never end (B21).
   */
  async take(claims: readonly BucketClaim[]): Promise<TakeResult> {
    for (const { policy } of claims) checkClaim(policy);
    const buckets = claims.map(({ key, policy }) => this.bucket(key, policy));
    // Check every bucket, then debit every bucket, in one synchronous step: concurrent
    // calls cannot spend one token twice (B23), and a refusal takes from none (B21).
    let retryAfterMs = 0;
    buckets.forEach((bucket, i) => {
      const cost = (claims[i] as BucketClaim).policy.cost;
      bucket.drip();
      if (bucket.content < cost) retryAfterMs = Math.max(retryAfterMs, bucket.waitMs(cost));
    });
    const allowed = retryAfterMs === 0;
    if (allowed) buckets.forEach((bucket, i) => (bucket.content -= (claims[i] as BucketClaim).policy.cost));
    const remaining = Math.min(...buckets.map((bucket) => Math.max(0, Math.floor(bucket.content))));
    return { allowed, remaining, retryAfterMs };
  }

  private bucket(key: string, policy: RateLimitPolicy): ClockedTokenBucket {
    const id = this.shape(policy) + key;
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = new ClockedTokenBucket(policy, this.clock);
      if (this.buckets.size >= this.options.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      // Re-inserting moves the key to the young end of the Map's insertion order: an O(1) LRU.
      this.buckets.delete(id);
    }
    this.buckets.set(id, bucket);
    return bucket;
  }

  // Policies are frozen objects made once per endpoint, so the shape string is made once too.
  private shape(policy: RateLimitPolicy): string {
    let shape = this.shapes.get(policy);
    if (shape === undefined) {
      shape = policyShape(policy);
      this.shapes.set(policy, shape);
    }
    return shape;
  }
}
