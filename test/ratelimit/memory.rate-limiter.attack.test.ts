// Attacks on the memory limiter's per-call shortcuts: the policy check remembered per
// policy object, the bucket tables per shape and the LRU touch skipped for the newest bucket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';

const base = { tokensPerInterval: 2, intervalMs: 3_600_000, bucketSize: 2, cost: 1, key: 'peer', mode: 'reject', maxWaitMs: 0 } as const;
const fixedClock = { now: () => 0 };

describe(MemoryRateLimiter.name, () => {
  describe('.take', () => {
    describe('when a hand-built policy is changed after its first call', () => {
      it('should check it again and refuse a cost the bucket can never hold (B21)', async () => {
        const limiter = new MemoryRateLimiter({ maxBuckets: 10 }, fixedClock);
        const policy: { -readonly [K in keyof RateLimitPolicy]: RateLimitPolicy[K] } = { ...base };
        assert.equal((await limiter.take([{ key: 'mallory', policy }])).allowed, true);
        policy.cost = 50;
        await assert.rejects(limiter.take([{ key: 'mallory', policy }]), (error: unknown) => BastionError.hasId(error, 'BST_ERR_RATELIMIT_COST_TOO_HIGH'));
        policy.cost = 1;
        policy.bucketSize = 0;
        await assert.rejects(limiter.take([{ key: 'mallory', policy }]), (error: unknown) => BastionError.hasId(error, 'BST_ERR_BOOT_INVALID_CONFIG'));
      });
    });

    describe('when two equal frozen policies name the same key', () => {
      it('should share one bucket, as one policy would', async () => {
        const limiter = new MemoryRateLimiter({ maxBuckets: 10 }, fixedClock);
        const first = Object.freeze({ ...base });
        const second = Object.freeze({ ...base });
        await limiter.take([{ key: 'k', policy: first }]);
        await limiter.take([{ key: 'k', policy: second }]);
        assert.equal((await limiter.take([{ key: 'k', policy: first }])).allowed, false);
        assert.equal(limiter.size, 1);
      });
    });

    describe('when a key of another bucket shape is the same string', () => {
      it('should not spend the other shape\u2019s tokens', async () => {
        const limiter = new MemoryRateLimiter({ maxBuckets: 10 }, fixedClock);
        const small = Object.freeze({ ...base, bucketSize: 1, tokensPerInterval: 1 });
        const large = Object.freeze({ ...base });
        assert.equal((await limiter.take([{ key: 'k', policy: small }])).allowed, true);
        assert.equal((await limiter.take([{ key: 'k', policy: small }])).allowed, false);
        assert.equal((await limiter.take([{ key: 'k', policy: large }])).remaining, 1);
      });
    });

    describe('when a flood hammers one key and then new keys arrive', () => {
      it('should evict the least recently used bucket, never the hammered one', async () => {
        const limiter = new MemoryRateLimiter({ maxBuckets: 3 }, fixedClock);
        const policy = Object.freeze({ ...base, bucketSize: 1000, tokensPerInterval: 1000 });
        await limiter.take([{ key: 'old', policy }]);
        await limiter.take([{ key: 'hot', policy }]);
        for (let i = 0; i < 10; i++) await limiter.take([{ key: 'hot', policy }]);
        await limiter.take([{ key: 'old', policy }]);
        await limiter.take([{ key: 'new-1', policy }]);
        await limiter.take([{ key: 'new-2', policy }]);
        assert.equal(limiter.size, 3);
        // 'hot' was used before 'old' last, so 'hot' went first; 'old' keeps its spent tokens.
        assert.equal((await limiter.take([{ key: 'old', policy }])).remaining, 997);
        assert.equal((await limiter.take([{ key: 'hot', policy }])).remaining, 999);
      });
    });
  });
});
