import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTrustedRegistry } from '../../examples/redis-registry/trusted-registry.js';
import { skipUnlessService } from '../fixtures/services.js';

describe('runTrustedRegistry (examples/redis-registry)', async () => {
  const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');

  describe('when Redis is up', () => {
    it('should register the signed node and select it back', { skip }, async () => {
      assert.equal(await runTrustedRegistry(), 'orders-1 at 127.0.0.1:7001');
    });
  });
});
