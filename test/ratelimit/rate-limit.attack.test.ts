// Attacks on @RateLimit through its wrapper: bursts over the budget, callers borrowing
// another identity through metadata, and anonymous callers.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import type { Clock } from '../../src/ratelimit/clock.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';
import { rateLimitWrapper } from '../../src/ratelimit/rate-limit.wrapper.js';
import type { PeerInfo } from '../../src/security/security.js';
import type { EndpointDescriptor, HandlerWrapper } from '../../src/server/server.js';
import { anonymousPeer, call, endpoint, verifiedPeer } from './wrapper-fixtures.js';

const POLICY: RateLimitPolicy = Object.freeze({ tokensPerInterval: 10, intervalMs: 1000, bucketSize: 10, cost: 1, key: 'peer', mode: 'reject', maxWaitMs: 0 });

describe(rateLimitWrapper.name, () => {
  let clock: Clock;
  let ep: EndpointDescriptor;
  let wrapper: HandlerWrapper;
  let handled: number;

  const handler = async () => {
    handled++;
    return 'ok';
  };

  async function burst(count: number, peer: PeerInfo, metadata: Record<string, string> = {}) {
    const results = await Promise.allSettled(Array.from({ length: count }, () => wrapper(call(ep, peer, metadata), handler)));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    return { passed: results.length - refused.length, refused };
  }

  beforeEach(() => {
    clock = { now: () => 0 };
    ep = endpoint(POLICY);
    wrapper = rateLimitWrapper(new MemoryRateLimiter({ maxBuckets: 100 }, clock))(ep) as HandlerWrapper;
    handled = 0;
  });

  describe('when 50 calls from one peer arrive together against a budget of 10', () => {
    it('should let exactly 10 through and refuse 40 with a 429 and a retry-after in (0, 1000] ms', async () => {
      const { passed, refused } = await burst(50, verifiedPeer('billing'));
      assert.equal(passed, 10);
      assert.equal(refused.length, 40);
      for (const error of refused) {
        assert.ok(BastionError.hasId(error, 'BST_ERR_RATELIMIT_EXCEEDED'));
        assert.equal(error.code, 429);
        assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 0 && error.retryAfterMs <= 1000 && Number.isInteger(error.retryAfterMs));
      }
      assert.equal(handled, 10);
    });
  });

  describe('when two verified identities call', () => {
    it('should give each its own budget', async () => {
      assert.equal((await burst(15, verifiedPeer('billing'))).passed, 10);
      assert.equal((await burst(15, verifiedPeer('shipping'))).passed, 10);
      assert.equal(handled, 20);
    });
  });

  describe('when a caller claims another identity in its metadata', () => {
    it('should change nothing: the budget stays that of the verified identity', async () => {
      const claims = { identity: 'shipping', 'x-peer-identity': 'shipping', 'x-forwarded-for': '10.9.9.9', peer: 'spiffe://bastion.test/service/shipping' };
      assert.equal((await burst(10, verifiedPeer('billing'), claims)).passed, 10);
      assert.equal((await burst(5, verifiedPeer('billing'))).passed, 0);
      assert.equal((await burst(10, verifiedPeer('shipping'))).passed, 10);
    });

    it('should not lift an anonymous caller out of its address bucket', async () => {
      assert.equal((await burst(12, anonymousPeer('192.0.2.7'), { identity: 'billing' })).passed, 10);
      assert.equal((await burst(3, anonymousPeer('192.0.2.7'), { identity: 'shipping' })).passed, 0);
      assert.equal((await burst(12, verifiedPeer('billing'))).passed, 10);
    });
  });

  describe('when calls are refused', () => {
    it('should never run the handler for them', async () => {
      await burst(30, verifiedPeer('billing'));
      assert.equal(handled, 10);
    });
  });

  describe('when a flood hits an endpoint in wait mode', () => {
    it('should queue nobody past maxWaitMs: one call passes, the rest get 429 and no timer is left behind', async () => {
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const slowEp = endpoint({ ...POLICY, tokensPerInterval: 1, bucketSize: 1, intervalMs: 60_000, mode: 'wait', maxWaitMs: 50 });
      const waiting = rateLimitWrapper(new MemoryRateLimiter({ maxBuckets: 100 }))(slowEp) as HandlerWrapper;
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => waiting(call(slowEp, verifiedPeer('mallory')), handler)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.every((r) => r.status === 'fulfilled' || BastionError.hasId(r.reason, 'BST_ERR_RATELIMIT_EXCEEDED')));
      assert.equal(handled, 1);
      assert.equal(timers(), before);
    });
  });
});
