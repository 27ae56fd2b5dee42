import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';
import type { BucketClaim, TakeResult } from '../../src/ratelimit/ratelimit.js';
import { WaitQueue } from '../../src/ratelimit/wait-queue.js';

function policy(overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy {
  return Object.freeze({ tokensPerInterval: 5, intervalMs: 100, bucketSize: 5, cost: 1, key: 'global', mode: 'wait', maxWaitMs: 2000, ...overrides });
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe(WaitQueue.name, () => {
  let limiter: MemoryRateLimiter;
  let queue: WaitQueue;
  let timersBefore: number;

  const claim = (p: RateLimitPolicy): BucketClaim[] => [{ key: 'k', policy: p }];

  beforeEach(() => {
    limiter = new MemoryRateLimiter({ maxBuckets: 100 });
    queue = new WaitQueue(limiter);
    timersBefore = timers();
  });

  afterEach(() => {
    assert.equal(queue.waiting, 0);
    assert.equal(timers(), timersBefore, 'no timer is left behind once every waiter is settled');
  });

  describe('.take', () => {
    describe('when calls in wait mode exceed the budget', () => {
      it('should complete every call later, in arrival order, within the maximum wait', async () => {
        const order: number[] = [];
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            queue.take(claim(policy()), true, 2000).then((r) => {
              order.push(i);
              return r;
            }),
          ),
        );
        assert.ok(results.every((r) => r.allowed));
        assert.deepEqual(order, Array.from({ length: 12 }, (_, i) => i));
      });
    });

    describe('when a costly call queues ahead of a flood of cheap calls', () => {
      it('B21: should serve the cost-8 call before any cheap call that arrived after it', async () => {
        const p = policy({ tokensPerInterval: 10, intervalMs: 200, bucketSize: 10 });
        assert.equal((await limiter.take([{ key: 'k', policy: { ...p, cost: 8 } }])).allowed, true);
        const order: string[] = [];
        const costly = queue.take(claim({ ...p, cost: 8 }), true, 2000).then((r) => (order.push('cost-8'), r));
        const cheap = Array.from({ length: 10 }, (_, i) => queue.take(claim(p), true, 2000).then((r) => (order.push(`cost-1 #${i}`), r)));
        const results = await Promise.all([costly, ...cheap]);
        assert.ok(results.every((r) => r.allowed));
        assert.equal(order[0], 'cost-8');
      });

      it('B21: should refuse a cost-11 call at once with COST_TOO_HIGH instead of queueing it', async () => {
        await assert.rejects(queue.take(claim(policy({ bucketSize: 10, cost: 11 })), true, 2000), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_COST_TOO_HIGH'));
      });
    });

    describe('when the wait would exceed maxWaitMs', () => {
      it('should refuse with a retry-after and take no tokens for the refused call', async () => {
        const slow = policy({ tokensPerInterval: 1, intervalMs: 60_000, bucketSize: 2 });
        const [a, b, c] = await Promise.all([0, 1, 2].map(() => queue.take(claim(slow), true, 50)));
        assert.deepEqual([a?.allowed, b?.allowed, c?.allowed], [true, true, false]);
        assert.ok((c as TakeResult).retryAfterMs > 50 && (c as TakeResult).retryAfterMs <= 60_000);
        assert.equal((await limiter.take(claim({ ...slow, cost: 1 }))).allowed, false);
      });

      it('should refuse a waiter behind the head once its own maximum wait passes', async () => {
        const p = policy({ tokensPerInterval: 1, intervalMs: 300, bucketSize: 1 });
        const results = await Promise.all([queue.take(claim(p), true, 1000), queue.take(claim(p), true, 1000), queue.take(claim(p), true, 100)]);
        assert.deepEqual(results.map((r) => r.allowed), [true, true, false]);
      });
    });

    describe('when a flood arrives that the line could never serve within maxWaitMs', () => {
      it('should refuse the hopeless calls on arrival, so the line stays short', async () => {
        const p = policy({ tokensPerInterval: 10, intervalMs: 1000, bucketSize: 10 });
        const pending = Array.from({ length: 1000 }, () => queue.take(claim(p), true, 500));
        // At most a full bucket plus half a second of refill (10 + 5) may stand in line.
        assert.ok(queue.waiting <= 15, `${queue.waiting} waiting`);
        const results = await Promise.all(pending);
        const served = results.filter((r) => r.allowed).length;
        assert.ok(served >= 10 && served <= 15, `${served} served`);
        assert.ok(results.every((r) => r.allowed || r.retryAfterMs > 0));
      });
    });

    describe('when wait is false', () => {
      it('should answer at once without queueing', async () => {
        const p = policy({ bucketSize: 1, tokensPerInterval: 1, intervalMs: 60_000 });
        assert.equal((await queue.take(claim(p), false, 0)).allowed, true);
        const refused = await queue.take(claim(p), false, 0);
        assert.equal(refused.allowed, false);
        assert.equal(queue.waiting, 0);
      });
    });
  });
});
