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

    describe("when a waiter's signal aborts while it stands in line (attack F3)", () => {
      it('should reject it at once with the signal reason, take no tokens for it, and serve the next waiter', async () => {
        const p = policy({ tokensPerInterval: 1, intervalMs: 200, bucketSize: 1 });
        const first = await queue.take(claim(p), true, 5000);
        assert.equal(first.allowed, true);
        const controller = new AbortController();
        const abandoned = queue.take(claim(p), true, 5000, controller.signal);
        const behind = queue.take(claim(p), true, 5000);
        assert.equal(queue.waiting, 2);
        const reason = new BastionError('BST_ERR_TRANSPORT_CLOSED', 'gone');
        controller.abort(reason);
        await assert.rejects(abandoned, (e) => e === reason);
        assert.equal(queue.waiting, 1, 'the abandoned waiter left the line');
        assert.equal((await behind).allowed, true, 'the waiter behind got the token the abandoned one would have had');
        assert.equal((await limiter.take(claim(p))).allowed, false, 'exactly two tokens were taken');
      });

      it('should free the room it held in the line, so a newcomer is not refused on arrival', async () => {
        const p = policy({ tokensPerInterval: 1, intervalMs: 100, bucketSize: 1 });
        assert.equal((await limiter.take(claim(p))).allowed, true);
        const controllers = Array.from({ length: 3 }, () => new AbortController());
        // Three waiters fill a 250 ms line: the third is served 200 ms out at best.
        const flood = controllers.map((c) => queue.take(claim(p), true, 250, c.signal).catch((e: unknown) => e));
        assert.equal(queue.waiting, 3);
        assert.equal((await queue.take(claim(p), true, 250)).allowed, false, 'the line is full');
        for (const c of controllers) c.abort(new Error('gone'));
        assert.ok((await Promise.all(flood)).every((e) => e instanceof Error && e.message === 'gone'));
        assert.equal(queue.waiting, 0);
        assert.equal((await queue.take(claim(p), true, 250)).allowed, true);
      });
    });

    describe('when the signal is aborted before the call arrives', () => {
      it('should reject in either mode without taking a token', async () => {
        const p = policy({ bucketSize: 1, tokensPerInterval: 1, intervalMs: 60_000 });
        const controller = new AbortController();
        controller.abort(new Error('cancelled'));
        await assert.rejects(queue.take(claim(p), true, 1000, controller.signal), /cancelled/);
        await assert.rejects(queue.take(claim(p), false, 0, controller.signal), /cancelled/);
        assert.equal((await queue.take(claim(p), false, 0)).allowed, true, 'the one token is still there');
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
