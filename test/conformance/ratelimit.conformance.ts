// The behaviour every RateLimiter must show, whatever stores the buckets. The memory and
// Redis limiters each run it. Budgets refill slowly (per minute or hour), so the answers do
// not depend on how fast the machine is.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import type { BucketClaim, RateLimiter } from '../../src/ratelimit/ratelimit.js';

function policy(overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy {
  return Object.freeze({ tokensPerInterval: 10, intervalMs: 60_000, bucketSize: 10, cost: 1, key: 'global', mode: 'reject', maxWaitMs: 0, ...overrides });
}

/** Runs the RateLimiter conformance cases against limiters made by `create`. */
export function describeRateLimiterConformance(name: string, create: () => Promise<RateLimiter>, options: { skip?: string | false } = {}): void {
  describe(`${name} (RateLimiter conformance)`, { skip: options.skip ?? false }, () => {
    let limiter: RateLimiter;
    let key: string;
    const one = (p: RateLimitPolicy, k = key): BucketClaim[] => [{ key: k, policy: p }];

    beforeEach(async () => {
      limiter = await create();
      key = `conf-${randomUUID()}`;
    });
    afterEach(async () => {
      await limiter.close?.();
    });

    describe('.take', () => {
      describe('when a key is new', () => {
        it('should start with a full bucket', async () => {
          assert.deepEqual(await limiter.take(one(policy())), { allowed: true, remaining: 9, retryAfterMs: 0 });
        });
      });

      describe('when a refused call asks for more than is left', () => {
        it('B21: should take no tokens, so the 2 left stay available', async () => {
          assert.equal((await limiter.take(one(policy({ cost: 8 })))).remaining, 2);
          const refused = await limiter.take(one(policy({ cost: 8 })));
          assert.equal(refused.allowed, false);
          assert.equal(refused.remaining, 2);
          assert.ok(Number.isInteger(refused.retryAfterMs) && refused.retryAfterMs > 0 && refused.retryAfterMs <= 36_000);
          assert.equal((await limiter.take(one(policy({ cost: 2 })))).allowed, true);
        });

        it('B21: should refuse a cost above the bucket size at once with COST_TOO_HIGH', async () => {
          await assert.rejects(limiter.take(one(policy({ cost: 11 }))), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_COST_TOO_HIGH') && e.retryAfterMs === undefined);
        });
      });

      describe('when the budget is 2 per hour', () => {
        it('B22: should let exactly 2 of 3 calls through, with whole remaining counts and a whole-ms retry-after', async () => {
          const p = policy({ tokensPerInterval: 2, intervalMs: 3_600_000, bucketSize: 2 });
          const results = [await limiter.take(one(p)), await limiter.take(one(p)), await limiter.take(one(p))];
          assert.deepEqual(results.map((r) => r.allowed), [true, true, false]);
          assert.deepEqual(results.map((r) => r.remaining), [1, 0, 0]);
          const wait = results[2]?.retryAfterMs ?? 0;
          assert.ok(Number.isInteger(wait) && wait > 1_790_000 && wait <= 1_800_000, `retry after ${wait}`);
        });
      });

      describe('when a call takes from two buckets', () => {
        it('should take from both, or from neither when one is short', async () => {
          const wide = policy({ tokensPerInterval: 3, bucketSize: 3 });
          const narrow = policy({ tokensPerInterval: 1, bucketSize: 1 });
          const both = [...one(wide, `${key}-class`), ...one(narrow, `${key}-method`)];
          assert.deepEqual(await limiter.take(both), { allowed: true, remaining: 0, retryAfterMs: 0 });
          assert.equal((await limiter.take(both)).allowed, false);
          assert.equal((await limiter.take(one(wide, `${key}-class`))).remaining, 1);
        });
      });

      describe('when 1,000 calls on one key arrive together against a budget of 5', () => {
        it('B23: should allow exactly 5', async () => {
          const p = policy({ tokensPerInterval: 5, bucketSize: 5 });
          const results = await Promise.all(Array.from({ length: 1000 }, () => limiter.take(one(p))));
          assert.equal(results.filter((r) => r.allowed).length, 5);
        });
      });

      describe('when keys or bucket shapes differ', () => {
        it('should keep separate buckets', async () => {
          await limiter.take(one(policy({ cost: 10 })));
          assert.equal((await limiter.take(one(policy(), `${key}-other`))).allowed, true);
          assert.equal((await limiter.take(one(policy({ tokensPerInterval: 5, bucketSize: 5 })))).allowed, true);
          assert.equal((await limiter.take(one(policy()))).allowed, false);
        });
      });

      describe('when the policy cannot be enforced', () => {
        it('should throw BST_ERR_BOOT_INVALID_CONFIG rather than allow everything', async () => {
          for (const bad of [{ bucketSize: 0 }, { tokensPerInterval: 0 }, { cost: 0.5 }]) {
            await assert.rejects(limiter.take(one(policy(bad))), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'), JSON.stringify(bad));
          }
        });
      });
    });
  });
}
