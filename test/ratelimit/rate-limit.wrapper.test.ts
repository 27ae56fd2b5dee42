import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { RateLimitCaller, RateLimitKey, RateLimitPolicy } from '../../src/metadata/models.js';
import { MemoryRateLimitMetrics } from '../../src/ratelimit/memory.metrics.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';
import { rateLimitWrapper } from '../../src/ratelimit/rate-limit.wrapper.js';
import type { BucketClaim, RateLimiter, TakeResult } from '../../src/ratelimit/ratelimit.js';
import { anonymousPeer, call, endpoint, verifiedPeer } from './wrapper-fixtures.js';

class KeyRecordingLimiter implements RateLimiter {
  readonly name = 'recording';
  readonly keys: string[] = [];
  answer: TakeResult = { allowed: true, remaining: 1, retryAfterMs: 0 };
  async take(claims: readonly BucketClaim[]): Promise<TakeResult> {
    this.keys.push(...claims.map((c) => c.key));
    return this.answer;
  }
}

function policy(key: RateLimitPolicy['key']): RateLimitPolicy {
  return Object.freeze({ tokensPerInterval: 10, intervalMs: 1000, bucketSize: 10, cost: 1, key, mode: 'reject', maxWaitMs: 0 });
}

const next = async () => 'handled';

describe(rateLimitWrapper.name, () => {
  let limiter: KeyRecordingLimiter;

  beforeEach(() => {
    limiter = new KeyRecordingLimiter();
  });

  describe('when the endpoint declares no rate limit', () => {
    it('should build no wrapper', () => {
      assert.equal(rateLimitWrapper(limiter)(endpoint(undefined)), undefined);
    });
  });

  describe('when the endpoint declares a policy', () => {
    const cases: [RateLimitKey, string][] = [
      ['global', 'global'],
      ['service', 'svc:orders'],
      ['endpoint', 'ep:orders/Orders.place'],
      ['peer', 'peer:orders/Orders.place:billing'],
    ];
    for (const [key, expected] of cases) {
      it(`should key a '${key}' bucket as ${expected}`, async () => {
        const ep = endpoint(policy(key));
        const wrapper = rateLimitWrapper(limiter)(ep);
        assert.equal(await wrapper?.(call(ep, verifiedPeer('billing')), next), 'handled');
        assert.deepEqual(limiter.keys, [expected]);
      });
    }

    it("should key an unauthenticated peer under 'peer' by its address", async () => {
      const ep = endpoint(policy('peer'));
      const wrapper = rateLimitWrapper(limiter)(ep);
      await wrapper?.(call(ep, anonymousPeer('192.0.2.7')), next);
      await wrapper?.(call(ep, { ...verifiedPeer('billing', '192.0.2.8'), authorized: false }), next);
      assert.deepEqual(limiter.keys, ['anon:192.0.2.7', 'anon:192.0.2.8']);
    });

    it('should throw a 429 with the limiter retry-after when refused, without calling next', async () => {
      limiter.answer = { allowed: false, remaining: 0, retryAfterMs: 250 };
      const ep = endpoint(policy('endpoint'));
      let ran = false;
      await assert.rejects(
        rateLimitWrapper(limiter)(ep)?.(call(ep, verifiedPeer('billing')), async () => (ran = true)) ?? Promise.resolve(),
        (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_EXCEEDED') && e.code === 429 && e.retryAfterMs === 250,
      );
      assert.equal(ran, false);
    });
  });

  describe('when the policy cannot be enforced', () => {
    it('should refuse at boot with BST_ERR_BOOT_INVALID_CONFIG naming the endpoint', () => {
      const ep = endpoint({ ...policy('peer'), bucketSize: 0 });
      assert.throws(() => rateLimitWrapper(limiter)(ep), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG') && /orders\/Orders\.place/.test(e.detail));
      const unknownKey = endpoint({ ...policy('peer'), key: 'header' as RateLimitKey });
      assert.throws(() => rateLimitWrapper(limiter)(unknownKey), /unknown rate-limit key 'header'/);
    });
  });

  describe('when the class and the method both declare a policy', () => {
    const classPolicy = Object.freeze({ ...policy('service'), tokensPerInterval: 3, bucketSize: 3 });
    const methodPolicy = Object.freeze({ ...policy('peer'), tokensPerInterval: 2, bucketSize: 2 });

    it('should take from both buckets, the class bucket shared by every endpoint of the class', async () => {
      const real = new MemoryRateLimiter({ maxBuckets: 100 }, { now: () => 0 });
      const factory = rateLimitWrapper(real);
      const place = endpoint([classPolicy, methodPolicy], 'Orders.place');
      const cancel = endpoint([classPolicy], 'Orders.cancel');
      const run = (ep: ReturnType<typeof endpoint>) => factory(ep)?.(call(ep, verifiedPeer('billing')), next).then(() => 'ok', (e: unknown) => (BastionError.is(e) ? e.code : e));
      assert.deepEqual([await run(place), await run(place), await run(place)], ['ok', 'ok', 429]);
      assert.deepEqual([await run(cancel), await run(cancel)], ['ok', 429]);
    });

    it('should take from neither when one refuses', async () => {
      const real = new MemoryRateLimiter({ maxBuckets: 100 }, { now: () => 0 });
      const factory = rateLimitWrapper(real);
      const place = endpoint([classPolicy, methodPolicy], 'Orders.place');
      const cancel = endpoint([classPolicy], 'Orders.cancel');
      const billing = call(place, verifiedPeer('billing'));
      await factory(place)?.(billing, next);
      await factory(place)?.(billing, next);
      await assert.rejects(factory(place)?.(billing, next) ?? Promise.resolve(), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_EXCEEDED'));
      assert.equal(await factory(cancel)?.(call(cancel, verifiedPeer('billing')), next), 'handled', 'the refused call left the class token');
    });
  });

  describe("when a call in wait mode has a deadline shorter than maxWaitMs", () => {
    it("should stop waiting at the caller's deadline", async () => {
      const real = new MemoryRateLimiter({ maxBuckets: 10 });
      const ep = endpoint({ ...policy('global'), tokensPerInterval: 1, bucketSize: 1, intervalMs: 60_000, mode: 'wait', maxWaitMs: 120_000 });
      const wrapper = rateLimitWrapper(real)(ep);
      assert.equal(await wrapper?.(call(ep, verifiedPeer('billing')), next), 'handled');
      const hurried = { ...call(ep, verifiedPeer('billing')), timeoutMs: 50 };
      await assert.rejects(wrapper?.(hurried, next) ?? Promise.resolve(), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_EXCEEDED') && (e.retryAfterMs ?? 0) > 50);
    });
  });

  describe('when the key is a function', () => {
    it('should pass it only the verified caller, never the metadata', async () => {
      const seen: RateLimitCaller[] = [];
      const ep = endpoint(policy((caller) => (seen.push(caller), caller.identity?.trustDomain ?? 'unverified')));
      const wrapper = rateLimitWrapper(limiter)(ep);
      await wrapper?.(call(ep, verifiedPeer('billing'), { identity: 'root' }), next);
      await wrapper?.(call(ep, { ...verifiedPeer('shipping'), authorized: false }), next);
      assert.deepEqual(limiter.keys, ['fn:orders/Orders.place:bastion.test', 'fn:orders/Orders.place:unverified']);
      assert.deepEqual(seen.map((c) => Object.keys(c).sort()), [['endpoint', 'identity', 'remoteAddress', 'service'], ['endpoint', 'identity', 'remoteAddress', 'service']]);
      assert.equal(seen[1]?.identity, undefined);
    });
  });

  describe('when metrics are given', () => {
    it('should count allowed and rejected calls per endpoint and key kind', async () => {
      const metrics = new MemoryRateLimitMetrics();
      const ep = endpoint({ ...policy('peer'), tokensPerInterval: 1, bucketSize: 1 });
      const wrapper = rateLimitWrapper(new MemoryRateLimiter({ maxBuckets: 10 }, { now: () => 0 }), metrics)(ep);
      await Promise.allSettled([1, 2, 3].map(() => wrapper?.(call(ep, verifiedPeer('billing')), next)));
      assert.deepEqual(metrics.snapshot(), [
        { service: 'orders', endpoint: 'Orders.place', keyKind: 'peer', outcome: 'allowed', count: 1 },
        { service: 'orders', endpoint: 'Orders.place', keyKind: 'peer', outcome: 'rejected', count: 2 },
      ]);
      assert.equal(metrics.count({ outcome: 'rejected', keyKind: 'peer' }), 2);
    });
  });

  describe('when the limiter answers synchronously (the in-memory one, reject mode)', () => {
    it('should refuse a call whose caller already went away, take no token and count it abandoned', async () => {
      const metrics = new MemoryRateLimitMetrics();
      const ep = endpoint({ ...policy('peer'), tokensPerInterval: 1, bucketSize: 1 });
      const wrapper = rateLimitWrapper(new MemoryRateLimiter({ maxBuckets: 10 }, { now: () => 0 }), metrics)(ep);
      const gone = new AbortController();
      gone.abort(new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client went away'));
      let ran = false;
      const handler = async () => {
        ran = true;
        return 'handled';
      };
      const result = wrapper?.({ ...call(ep, verifiedPeer('billing')), signal: gone.signal }, handler);
      assert.ok(result instanceof Promise, 'a refusal is a rejected promise, never a synchronous throw');
      await assert.rejects(result, (e) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_CLOSED'));
      assert.equal(ran, false);
      assert.equal(metrics.count({ outcome: 'abandoned' }), 1);
      // The only token is still there for the next call.
      assert.equal(await wrapper?.(call(ep, verifiedPeer('billing')), next), 'handled');
    });

    it('should turn a policy the limiter refuses (cost above the bucket) into a rejected promise', async () => {
      const ep = endpoint({ ...policy('global'), cost: 20 });
      const wrapper = rateLimitWrapper(new MemoryRateLimiter({ maxBuckets: 10 }, { now: () => 0 }))(ep);
      const result = wrapper?.(call(ep, verifiedPeer('billing')), next);
      assert.ok(result instanceof Promise);
      await assert.rejects(result, (e) => BastionError.is(e) && e.code === 429);
    });
  });
});
