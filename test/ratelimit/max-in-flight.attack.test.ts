// Attacks on @MaxInFlight: a flood of slow calls must be shed at once with 503, never
// queued, and a shed call must neither run the handler nor hold a slot.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { maxInFlightWrapper } from '../../src/ratelimit/max-in-flight.wrapper.js';
import { MemoryRateLimitMetrics } from '../../src/ratelimit/memory.metrics.js';
import type { EndpointDescriptor, HandlerWrapper, WrapperFactory } from '../../src/server/server.js';
import { call, endpoint, verifiedPeer } from './wrapper-fixtures.js';

function limited(service: number | undefined, method: number | undefined, name = 'Orders.place'): EndpointDescriptor {
  return { ...endpoint(undefined, name), maxInFlight: { service, endpoint: method } };
}

describe(maxInFlightWrapper.name, () => {
  let factory: WrapperFactory;
  let metrics: MemoryRateLimitMetrics;
  let release: () => void;
  let gate: Promise<void>;
  let running: number;

  const slow = async () => {
    running++;
    await gate;
    running--;
    return 'done';
  };

  beforeEach(() => {
    metrics = new MemoryRateLimitMetrics();
    factory = maxInFlightWrapper(metrics);
    gate = new Promise((resolve) => (release = resolve));
    running = 0;
  });

  describe('when the endpoint declares no limit', () => {
    it('should build no wrapper', () => {
      assert.equal(factory(limited(undefined, undefined)), undefined);
    });
  });

  describe('when 1,000 slow calls flood an endpoint limited to 4', () => {
    it('should run 4 and shed 996 at once with 503, without running the handler for them', async () => {
      const ep = limited(undefined, 4);
      const wrapper = factory(ep) as HandlerWrapper;
      const calls = Array.from({ length: 1000 }, () => wrapper(call(ep, verifiedPeer('mallory')), slow));
      const shed = await Promise.allSettled(calls.slice(4));
      assert.ok(shed.every((r) => r.status === 'rejected' && BastionError.hasId(r.reason, 'BST_ERR_SERVER_OVERLOADED') && r.reason.code === 503));
      assert.equal(running, 4, 'the shed calls settled while the four admitted ones still run');
      release();
      assert.deepEqual(await Promise.all(calls.slice(0, 4)), ['done', 'done', 'done', 'done']);
      assert.equal(metrics.count({ outcome: 'shed', keyKind: 'in-flight' }), 996);
      assert.equal(await wrapper(call(ep, verifiedPeer('mallory')), slow), 'done', 'every slot was given back');
    });
  });

  describe('when the limit is on the class', () => {
    it('should share one gauge across the endpoints of the class', async () => {
      const place = limited(2, undefined, 'Orders.place');
      const cancel = limited(2, undefined, 'Orders.cancel');
      const a = factory(place) as HandlerWrapper;
      const b = factory(cancel) as HandlerWrapper;
      const first = a(call(place, verifiedPeer('x')), slow);
      const second = b(call(cancel, verifiedPeer('x')), slow);
      await assert.rejects(b(call(cancel, verifiedPeer('x')), slow), (e) => BastionError.hasId(e, 'BST_ERR_SERVER_OVERLOADED'));
      release();
      await Promise.all([first, second]);
    });
  });

  describe('when the handler fails', () => {
    it('should give the slot back', async () => {
      const ep = limited(undefined, 1);
      const wrapper = factory(ep) as HandlerWrapper;
      await assert.rejects(wrapper(call(ep, verifiedPeer('x')), async () => Promise.reject(new Error('boom'))), /boom/);
      assert.equal(await wrapper(call(ep, verifiedPeer('x')), async () => 'ok'), 'ok');
    });
  });
});
