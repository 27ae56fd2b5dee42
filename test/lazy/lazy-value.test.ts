import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lazy } from '../../src/lazy/lazy-value.js';
import { NATSRegistry } from '../../src/registry/nats.registry.js';

describe(Lazy.name, () => {
  describe('.get', () => {
    describe('when 50 callers ask at once', () => {
      it('B32: should run the factory once and give all of them the same value', async () => {
        let made = 0;
        const lazy = new Lazy(async () => ({ connection: ++made }));
        const values = await Promise.all(Array.from({ length: 50 }, () => lazy.get()));
        assert.equal(made, 1);
        assert.ok(values.every((value) => value === values[0]));
      });
    });

    describe('when the first attempt fails', () => {
      it('B32: should give every concurrent waiter the same error, then retry on the next call', async () => {
        let attempts = 0;
        const lazy = new Lazy(async () => {
          attempts++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (attempts === 1) throw new Error('connection refused');
          return 'connected';
        });
        const results = await Promise.allSettled(Array.from({ length: 50 }, () => lazy.get()));
        const errors = new Set(results.map((r) => (r.status === 'rejected' ? r.reason : undefined)));
        assert.equal(errors.size, 1);
        assert.match(String([...errors][0]), /connection refused/);
        assert.equal(await lazy.get(), 'connected');
        assert.equal(attempts, 2);
      });
    });
  });
});

describe(NATSRegistry.name, () => {
  describe('when NATS cannot be reached', () => {
    it('B32: should fail each read with the connection error, not a cached one forever, and close cleanly', async () => {
      const registry = new NATSRegistry({ url: 'nats://127.0.0.1:1' });
      const first = await registry.getService('orders').then(() => undefined, (error: unknown) => error);
      const second = await registry.getService('orders').then(() => undefined, (error: unknown) => error);
      assert.ok(first instanceof Error && second instanceof Error);
      assert.notEqual(first, second, 'the second read retried instead of replaying the first rejection');
      await registry.close();
    });
  });
});
