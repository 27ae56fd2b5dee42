// Behaviour of the memory limiter that needs a controlled clock or its LRU; the cases every
// limiter shares are in test/conformance/ratelimit.conformance.ts.
import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { beforeEach, describe, it } from 'node:test';
import { TOKENS } from '../../src/container/tokens.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import type { Clock } from '../../src/ratelimit/clock.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';
import { DEFAULT_MAX_BUCKETS, resolveRateLimiterOptions } from '../../src/ratelimit/options.js';
import type { RateLimiter } from '../../src/ratelimit/ratelimit.js';

function policy(overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy {
  return Object.freeze({ tokensPerInterval: 10, intervalMs: 1000, bucketSize: 10, cost: 1, key: 'peer', mode: 'reject', maxWaitMs: 0, ...overrides });
}

function takeOne(limiter: RateLimiter, key: string, p: RateLimitPolicy) {
  return limiter.take([{ key, policy: p }]);
}

describe(MemoryRateLimiter.name, () => {
  let now: number;
  let clock: Clock;
  let limiter: MemoryRateLimiter;

  beforeEach(() => {
    now = 0;
    clock = { now: () => now };
    limiter = new MemoryRateLimiter({ maxBuckets: 1000 }, clock);
  });

  describe('.take', () => {
    describe('when time passes', () => {
      it('should refill at tokensPerInterval per intervalMs, up to bucketSize', async () => {
        const p = policy({ cost: 10 });
        assert.equal((await takeOne(limiter, 'k', p)).allowed, true);
        now += 500;
        assert.deepEqual(await takeOne(limiter, 'k', p), { allowed: false, remaining: 5, retryAfterMs: 500 });
        now += 500;
        assert.equal((await takeOne(limiter, 'k', p)).allowed, true);
        now += 60_000;
        assert.equal((await takeOne(limiter, 'k', policy())).remaining, 9);
      });
    });

    describe('when a call costs more than the bucket can ever hold', () => {
      it('B21: should reject the cost-11 call at once with COST_TOO_HIGH and no retry-after', async () => {
        await assert.rejects(takeOne(limiter, 'k', policy({ cost: 11 })), (e) => {
          assert.ok(BastionError.hasId(e, 'BST_ERR_RATELIMIT_COST_TOO_HIGH'));
          assert.equal(e.code, 429);
          assert.equal(e.retryAfterMs, undefined);
          return true;
        });
        assert.equal((await takeOne(limiter, 'k', policy({ cost: 10 }))).allowed, true);
      });
    });

    describe('when a refused call asks for more than is left', () => {
      it('B21: should answer at once with a bounded retry-after instead of waiting', async () => {
        await takeOne(limiter, 'k', policy({ cost: 8 }));
        const refused = await takeOne(limiter, 'k', policy({ cost: 8 }));
        assert.equal(refused.retryAfterMs, 600);
        now += refused.retryAfterMs;
        assert.equal((await takeOne(limiter, 'k', policy({ cost: 8 }))).allowed, true);
      });
    });

    describe('when tokens refill continuously', () => {
      it('B22: should report remaining as a whole number, never negative', async () => {
        const p = policy({ tokensPerInterval: 10, intervalMs: 60_000, bucketSize: 10 });
        for (let i = 0; i < 40; i++) {
          const result = await takeOne(limiter, 'k', p);
          assert.ok(Number.isInteger(result.remaining) && result.remaining >= 0, `remaining ${result.remaining}`);
          assert.ok(Number.isInteger(result.retryAfterMs) && result.retryAfterMs >= 0);
          now += 3500;
        }
      });

      it('B22: should give a refused call a whole-millisecond retry-after, rounded up and at least 1', async () => {
        const p = policy({ tokensPerInterval: 3, intervalMs: 1000, bucketSize: 3 });
        for (let i = 0; i < 3; i++) await takeOne(limiter, 'k', p);
        now += 0.5;
        const refused = await takeOne(limiter, 'k', p);
        assert.equal(refused.allowed, false);
        assert.equal(refused.retryAfterMs, 333);
        now += 332;
        const stillRefused = await takeOne(limiter, 'k', p);
        assert.equal(stillRefused.allowed, false);
        assert.equal(stillRefused.retryAfterMs, 1);
        now += 1;
        assert.equal((await takeOne(limiter, 'k', p)).allowed, true);
      });

      it('B22: should let exactly 2 of 3 calls through at 2 per hour', async () => {
        const p = policy({ tokensPerInterval: 2, intervalMs: 3_600_000, bucketSize: 2 });
        const results = [await takeOne(limiter, 'k', p), await takeOne(limiter, 'k', p), await takeOne(limiter, 'k', p)];
        assert.deepEqual(results.map((r) => r.allowed), [true, true, false]);
        assert.deepEqual(results.map((r) => r.remaining), [1, 0, 0]);
        assert.equal(results[2]?.retryAfterMs, 1_800_000);
      });
    });

    describe('when the policy cannot be enforced', () => {
      it('should throw BST_ERR_BOOT_INVALID_CONFIG rather than allow everything', async () => {
        for (const bad of [{ bucketSize: 0 }, { tokensPerInterval: 0 }, { intervalMs: Number.NaN }, { cost: 0 }, { cost: 0.5 }]) {
          await assert.rejects(takeOne(limiter, 'k', policy(bad)), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'), JSON.stringify(bad));
        }
        assert.equal(limiter.size, 0);
      });
    });
  });

  describe('.size', () => {
    describe('when 100,000 distinct keys arrive', () => {
      it('should keep at most maxBuckets buckets, evicting the least recently used', async () => {
        const p = policy({ cost: 10 });
        await takeOne(limiter, 'kept', p);
        await takeOne(limiter, 'evicted', p);
        for (let i = 0; i < 100_000; i++) {
          await takeOne(limiter, `key-${i}`, p);
          if (i % 500 === 0) await takeOne(limiter, 'kept', p);
          assert.ok(limiter.size <= 1000);
        }
        assert.equal(limiter.size, 1000);
        assert.equal((await takeOne(limiter, 'kept', p)).allowed, false);
        assert.equal((await takeOne(limiter, 'evicted', p)).allowed, true);
      });
    });
  });

  describe('constructor', () => {
    describe('when resolved from a container without a Clock', () => {
      it('should use the system clock', async () => {
        const container = new Container();
        container.bind(TOKENS.RateLimiterOptions).toConstantValue(resolveRateLimiterOptions());
        container.bind(TOKENS.RateLimiter).to(MemoryRateLimiter);
        const resolved = container.get<RateLimiter>(TOKENS.RateLimiter);
        assert.equal(resolved.name, 'memory');
        assert.equal((await takeOne(resolved, 'k', policy())).allowed, true);
      });
    });
  });
});

describe(resolveRateLimiterOptions.name, () => {
  describe('when given nothing or nonsense', () => {
    it('should default maxBuckets and refuse values that are not positive integers', () => {
      assert.deepEqual(resolveRateLimiterOptions(), { maxBuckets: DEFAULT_MAX_BUCKETS });
      for (const maxBuckets of [0, -1, 1.5, Number.NaN]) assert.throws(() => resolveRateLimiterOptions({ maxBuckets }), RangeError);
    });
  });
});
