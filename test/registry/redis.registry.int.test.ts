import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { after, before, describe, it } from 'node:test';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import { describeRegistryConformance } from '../conformance/registry.conformance.js';
import { skipUnlessService } from '../fixtures/services.js';
import { describeKilledRegistrant, describePushedWatch, runId } from './backend-fixtures.js';

const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
const prefix = runId('bastion-test-registry');
let count = 0;

async function cleanUp(): Promise<void> {
  const client = new Redis('redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
  await client.quit();
}

describe(RedisRegistry.name, { skip }, () => {
  after(cleanUp);

  describeRegistryConformance(RedisRegistry.name, () => new RedisRegistry({ prefix: `${prefix}-${count++}`, watchIntervalMs: 50 }));

  describe('.claim', () => {
    let a: RedisRegistry;
    let b: RedisRegistry;
    before(() => {
      a = new RedisRegistry({ prefix: `${prefix}-claim` });
      b = new RedisRegistry({ prefix: `${prefix}-claim` });
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    describe('when two replicas claim one nonce at once', () => {
      it('should let exactly one of them have it', async () => {
        const results = await Promise.all([a.claim('nonce-1', 10_000), b.claim('nonce-1', 10_000), a.claim('nonce-1', 10_000)]);
        assert.deepEqual(results.filter(Boolean).length, 1);
      });
    });
  });

  describePushedWatch(() => new RedisRegistry({ prefix: `${prefix}-pushed`, watchIntervalMs: 60_000 }));
  describeKilledRegistrant(`redis://127.0.0.1:6379?prefix=${prefix}-killed`, () => new RedisRegistry({ prefix: `${prefix}-killed` }));
});
