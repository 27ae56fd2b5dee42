import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClientCall } from '../../src/client/client.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { clientRateLimitWrapper } from '../../src/ratelimit/client-rate-limit.wrapper.js';
import { MemoryRateLimitMetrics } from '../../src/ratelimit/memory.metrics.js';

const callTo = (service: string, endpoint = 'Orders.place'): ClientCall => ({ service, endpoint, request: {}, options: {} });

describe(clientRateLimitWrapper.name, () => {
  describe('when in reject mode and over the budget', () => {
    it('should fail locally with a typed 429 and send nothing', async () => {
      const metrics = new MemoryRateLimitMetrics();
      const wrapper = clientRateLimitWrapper({ tokensPerInterval: 3, interval: 'minute', metrics });
      let sent = 0;
      const send = async () => ++sent;
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => wrapper(callTo('orders'), send)));
      assert.equal(sent, 3);
      for (const r of results.slice(3)) {
        assert.equal(r.status, 'rejected');
        assert.ok(BastionError.hasId(r.reason, 'BST_ERR_RATELIMIT_EXCEEDED') && (r.reason.retryAfterMs ?? 0) > 0);
      }
      assert.equal(metrics.count({ keyKind: 'client', outcome: 'rejected' }), 2);
    });
  });

  describe("when per is 'service'", () => {
    it('should keep one budget per remote service', async () => {
      const wrapper = clientRateLimitWrapper({ tokensPerInterval: 1, interval: 'minute' });
      const send = async () => 'sent';
      assert.equal(await wrapper(callTo('orders'), send), 'sent');
      assert.equal(await wrapper(callTo('billing'), send), 'sent');
      await assert.rejects(wrapper(callTo('orders', 'Orders.cancel'), send), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_EXCEEDED'));
    });
  });

  describe('when in wait mode', () => {
    it('should pace calls to the budget and send them in FIFO order', async () => {
      const wrapper = clientRateLimitWrapper({ tokensPerInterval: 4, interval: 100, mode: 'wait', maxWaitMs: 2000 });
      const order: number[] = [];
      const sends = Array.from({ length: 10 }, (_, i) => wrapper(callTo('orders'), async () => order.push(i)));
      await Promise.all(sends);
      assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  describe('when the options are nonsense', () => {
    it('should refuse them with BST_ERR_BOOT_INVALID_CONFIG', () => {
      assert.throws(() => clientRateLimitWrapper({ tokensPerInterval: 0, interval: 'second' }), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'));
    });
  });
});
