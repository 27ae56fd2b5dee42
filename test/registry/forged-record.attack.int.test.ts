// A record written straight into Redis or NATS KV, bypassing the API, never gets traffic:
// the selector reads through the ValidatingRegistry, which checks each node's signature.
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { NATSRegistry } from '../../src/registry/nats.registry.js';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import type { Registry, ServiceRecord } from '../../src/registry/registry.js';
import { encodeEntry, entriesOf, nodeKey } from '../../src/registry/stored-entry.js';
import { signedRegistrationCheck } from '../../src/registry/validating/checks.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { createRegistrationKeys, RegistrationTokenSigner } from '../../src/registry/validating/registration-token.js';
import type { ReplayCache } from '../../src/registry/validating/replay-cache.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { RoundRobinSelector } from '../../src/selector/round-robin.selector.js';
import { skipUnlessService } from '../fixtures/services.js';
import { runId } from './backend-fixtures.js';
import { node, record, RecordingLogger } from './registry-fixtures.js';

const keys = createRegistrationKeys('k1');
const attackerKeys = createRegistrationKeys('k1');
const TTL = { ttlMs: 30_000 };

function trusting(inner: Registry, logger: RecordingLogger): ValidatingRegistry {
  return new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['orders'], checks: [signedRegistrationCheck({ keys: { k1: { publicKey: keys.publicKey, services: ['orders'] } }, ...('claim' in inner ? { replayCache: inner as unknown as ReplayCache } : {}) })] }), logger);
}

const forgeries: [string, () => ServiceRecord][] = [
  ['unsigned', () => record('orders', { nodes: [node('evil-unsigned', { host: '10.6.6.6' })] })],
  ['signed by the attacker', () => new RegistrationTokenSigner({ kid: 'k1', privateKey: attackerKeys.privateKey }).sign(record('orders', { nodes: [node('evil-signed', { host: '10.6.6.6' })] }))],
];

async function selectMany(selector: RoundRobinSelector, times: number): Promise<Set<string>> {
  try {
    const picked = new Set<string>();
    for (let i = 0; i < times; i++) picked.add((await selector.select('orders')).id);
    return picked;
  } finally {
    selector.close();
  }
}

describe('forged registry records', async () => {
  const redisSkip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
  const natsSkip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');

  describe('when written straight into Redis', () => {
    const prefix = runId('bastion-test-forged');
    const client = redisSkip === false ? new Redis('redis://127.0.0.1:6379') : undefined;
    const store = redisSkip === false ? new RedisRegistry({ prefix, client }) : undefined;
    after(async () => {
      if (client === undefined || store === undefined) return;
      for (const r of await store.listServices()) await store.deregister(r);
      const stale = await client.keys(`${prefix}:*`);
      if (stale.length > 0) await client.del(...stale);
      await client.quit();
    });

    it('should never be selected by the client', { skip: redisSkip }, async () => {
      const logger = new RecordingLogger();
      const registry = trusting(store as RedisRegistry, logger);
      await registry.register(new RegistrationTokenSigner({ kid: 'k1', privateKey: keys.privateKey }).sign(record('orders', { nodes: [node('orders-1', { host: '10.0.0.7' })] })), TTL);
      for (const [, forge] of forgeries) {
        const forged = forge();
        for (const entry of entriesOf(forged, 30_000, Date.now())) {
          await (client as Redis).set(`${prefix}:${nodeKey(forged.name, forged.version, entry.node.id)}`, encodeEntry(entry), 'PX', 30_000);
        }
      }
      assert.equal((await (store as RedisRegistry).getService('orders')).flatMap((r) => r.nodes).length, 3);
      const picked = await selectMany(new RoundRobinSelector(registry, undefined, { cacheTtlMs: 0 }), 12);
      assert.deepEqual([...picked], ['orders-1']);
      assert.ok(logger.events('registry_record_dropped').some((d) => /TokenMissing/.test(String(d['reason']))));
      assert.ok(logger.events('registry_record_dropped').some((d) => /TokenSignature/.test(String(d['reason']))));
    });
  });

  describe('when written straight into the file registry directory', () => {
    it('should never be selected by the client', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'bastion-forged-'));
      try {
        const store = new FileRegistry({ directory });
        const logger = new RecordingLogger();
        const registry = trusting(store, logger);
        await registry.register(new RegistrationTokenSigner({ kid: 'k1', privateKey: keys.privateKey }).sign(record('orders', { nodes: [node('orders-1', { host: '10.0.0.7' })] })), TTL);
        for (const [, forge] of forgeries) {
          const forged = forge();
          for (const entry of entriesOf(forged, 30_000, Date.now())) writeFileSync(join(directory, `${nodeKey(forged.name, forged.version, entry.node.id)}.json`), encodeEntry(entry));
        }
        assert.equal((await store.getService('orders')).flatMap((r) => r.nodes).length, 3);
        const picked = await selectMany(new RoundRobinSelector(registry, undefined, { cacheTtlMs: 0 }), 12);
        assert.deepEqual([...picked], ['orders-1']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });

  describe('when written straight into NATS KV', () => {
    const bucket = runId('bastion-test-forged');
    it('should never be selected by the client', { skip: natsSkip }, async () => {
      const connection = await connect({ servers: '127.0.0.1:4222' });
      try {
        const store = new NATSRegistry({ connection, bucket });
        const logger = new RecordingLogger();
        const registry = trusting(store, logger);
        await registry.register(new RegistrationTokenSigner({ kid: 'k1', privateKey: keys.privateKey }).sign(record('orders', { nodes: [node('orders-1', { host: '10.0.0.7' })] })), TTL);
        const kv = await connection.jetstream().views.kv(bucket);
        for (const [, forge] of forgeries) {
          const forged = forge();
          for (const entry of entriesOf(forged, 30_000, Date.now())) await kv.put(nodeKey(forged.name, forged.version, entry.node.id), encodeEntry(entry));
        }
        assert.equal((await store.getService('orders')).flatMap((r) => r.nodes).length, 3);
        const picked = await selectMany(new RoundRobinSelector(registry, undefined, { cacheTtlMs: 0 }), 12);
        assert.deepEqual([...picked], ['orders-1']);
        assert.equal(logger.events('registry_record_dropped').length >= 2, true);
      } finally {
        const jsm = await connection.jetstreamManager();
        for (const name of [bucket, `${bucket}-nonces`]) await jsm.streams.delete(`KV_${name}`).catch(() => false);
        await connection.drain();
      }
    });
  });
});
