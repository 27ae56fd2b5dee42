// B30 on the shared stores: hostile metadata is refused by the ValidatingRegistry before
// Redis or NATS KV sees anything, and the store's real entries stay as they were.
import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { after, before, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { NATSRegistry } from '../../src/registry/nats.registry.js';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import type { Registry, ServiceRecord } from '../../src/registry/registry.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { skipUnlessService } from '../fixtures/services.js';
import { runId } from './backend-fixtures.js';
import { node, record, RecordingLogger } from './registry-fixtures.js';

const TTL = { ttlMs: 30_000 };

function deep(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { nested: value };
  return value;
}

const hostile: [string, Record<string, unknown>][] = [
  ['B30 a: 100 KB', Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'x'.repeat(250)]))],
  ['B30 b: 10,000 keys', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v']))],
  ['B30 c: a BigInt', { size: 10n }],
  ['B30 c: a function', { run: () => 'pwned' }],
  ['B30 c: 100 levels deep', { deep: deep(100) }],
  ['B30 d: a __proto__ key', JSON.parse('{"__proto__": {"isAdmin": "true"}}') as Record<string, unknown>],
  ['B30 e: a 256-character value', { note: 'n'.repeat(256) }],
];

function describeHostileMetadata(backend: string, skip: false | string, create: () => Registry): void {
  describe(`when the store is ${backend}`, () => {
    it(`B30: should refuse every hostile map before ${backend} and leave the real entry untouched`, { skip }, async () => {
      const store = create();
      const registry = new ValidatingRegistry(store, resolveRegistryPolicy({ allowServices: ['inventory'] }), new RecordingLogger());
      const real = record('inventory', { nodes: [node('real-1')] });
      await registry.register(real, TTL);
      for (const [title, metadata] of hostile) {
        const asRecord = record('inventory', { metadata } as Partial<ServiceRecord>);
        const asNode = record('inventory', { nodes: [{ ...node('evil-1'), metadata } as never] });
        for (const sent of [asRecord, asNode]) {
          await assert.rejects(registry.register(sent, TTL), (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED'), title);
        }
      }
      assert.deepEqual(await store.getService('inventory'), [real]);
      await registry.deregister(real);
      await store.close?.();
    });
  });
}

describe(ValidatingRegistry.name, async () => {
  const redisSkip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
  const natsSkip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
  const bucket = runId('bastion-test-b30');
  let connection: NatsConnection | undefined;
  before(async () => {
    if (natsSkip === false) connection = await connect({ servers: '127.0.0.1:4222' });
  });
  after(async () => {
    if (connection === undefined) return;
    const jsm = await connection.jetstreamManager();
    for (const name of [bucket, `${bucket}-nonces`]) await jsm.streams.delete(`KV_${name}`).catch(() => false);
    await connection.drain();
  });

  describe('.register', () => {
    describeHostileMetadata('Redis', redisSkip, () => new RedisRegistry({ prefix: runId('bastion-test-b30') }));
    describeHostileMetadata('NATS KV', natsSkip, () => new NATSRegistry({ connection: connection as NatsConnection, bucket }));
  });
});
