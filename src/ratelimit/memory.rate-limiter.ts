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
    /** The table holding this bucket and its key there, so an eviction can remove it. */
    readonly table: Map<string, ClockedTokenBucket>,
    readonly key: string,
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
  // One table of buckets per bucket shape, so a lookup hashes the caller's key alone: the
  // wrapper's keys are long-lived strings whose hash V8 caches, where `shape + key` was a
  // new string to hash on every call.
  private readonly byShape = new Map<string, Map<string, ClockedTokenBucket>>();
  private readonly tables = new WeakMap<RateLimitPolicy, Map<string, ClockedTokenBucket>>();
  // Every bucket, least recently used first: a Set keeps insertion order, like the old Map.
  private readonly recency = new Set<ClockedTokenBucket>();
  private newest: ClockedTokenBucket | undefined;

  constructor(
    @inject(TOKENS.RateLimiterOptions) options: RateLimiterOptions,
    @optional() @inject(TOKENS.Clock) private readonly clock: Clock = SYSTEM_CLOCK,
  ) {
    this.options = resolveRateLimiterOptions(options);
  }

  /** How many buckets are kept now; never more than `maxBuckets`. */
  get size(): number {
    return this.recency.size;
  }

  /**
   * Takes each claim's cost from its bucket, all or nothing. A cost above the bucket size
   * can never succeed, so it throws `BST_ERR_RATELIMIT_COST_TOO_HIGH` (429, no retry-after)
   * instead of returning a wait that would never end (B21).
   */
  async take(claims: readonly BucketClaim[]): Promise<TakeResult> {
    return this.takeNow(claims);
  }

  /** `take`, synchronously: throws instead of rejecting. */
  takeNow(claims: readonly BucketClaim[]): TakeResult {
    // Every policy is checked before any bucket is made or touched.
    const tables = claims.map(({ policy }) => this.table(policy));
    const buckets = claims.map(({ key, policy }, i) => this.bucket(tables[i] as Map<string, ClockedTokenBucket>, key, policy));
    // Check every bucket, then debit every bucket, in one synchronous step: concurrent
    // calls cannot spend one token twice (B23), and a refusal takes from none (B21).
    let retryAfterMs = 0;
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i] as ClockedTokenBucket;
      const cost = (claims[i] as BucketClaim).policy.cost;
      bucket.drip();
      if (bucket.content < cost) retryAfterMs = Math.max(retryAfterMs, bucket.waitMs(cost));
    }
    const allowed = retryAfterMs === 0;
    let remaining = Infinity;
    for (let i = 0; i < buckets.length; i++) {
      const bucket = buckets[i] as ClockedTokenBucket;
      if (allowed) bucket.content -= (claims[i] as BucketClaim).policy.cost;
      remaining = Math.min(remaining, Math.max(0, Math.floor(bucket.content)));
    }
    return { allowed, remaining, retryAfterMs };
  }

  private bucket(table: Map<string, ClockedTokenBucket>, key: string, policy: RateLimitPolicy): ClockedTokenBucket {
    let bucket = table.get(key);
    if (bucket === undefined) {
      if (this.recency.size >= this.options.maxBuckets) this.evictOldest();
      bucket = new ClockedTokenBucket(policy, this.clock, table, key);
      table.set(key, bucket);
      this.recency.add(bucket);
    } else if (bucket !== this.newest) {
      // Re-inserting moves the bucket to the young end of the Set's order: an O(1) LRU,
      // skipped when a run of calls keeps hitting the same bucket.
      this.recency.delete(bucket);
      this.recency.add(bucket);
    }
    this.newest = bucket;
    return bucket;
  }

  private evictOldest(): void {
    const oldest = this.recency.values().next().value as ClockedTokenBucket;
    this.recency.delete(oldest);
    oldest.table.delete(oldest.key);
    if (oldest === this.newest) this.newest = undefined;
  }

  /**
   * The bucket table of a policy's shape, checked with `checkClaim` first. Only a frozen
   * policy (every policy `@RateLimit` makes) is remembered as checked: a hand-built one
   * could change after its check, so it is checked on every call.
   */
  private table(policy: RateLimitPolicy): Map<string, ClockedTokenBucket> {
    const known = this.tables.get(policy);
    if (known !== undefined) return known;
    checkClaim(policy);
    const shape = policyShape(policy);
    let table = this.byShape.get(shape);
    if (table === undefined) this.byShape.set(shape, (table = new Map()));
    if (Object.isFrozen(policy)) this.tables.set(policy, table);
    return table;
  }
}
