import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { registryFromUrl } from '../../src/container/registry-url.js';
import { Bastion, BastionError, Handler, Service } from '../../src/index.js';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import { NATSRegistry } from '../../src/registry/nats.registry.js';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';
import { runId } from '../registry/backend-fixtures.js';

@Service({ name: 'clock', version: '1.0.0' })
class ClockService {
  @Handler()
  now(): { ok: boolean } {
    return { ok: true };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bastion-registry-url-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe(registryFromUrl.name, () => {
  describe('when given each supported scheme', () => {
    it('should make the matching registry', async () => {
      assert.ok(registryFromUrl('memory:') instanceof MemoryRegistry);
      assert.ok(registryFromUrl(pathToFileURL(join(dir, 'reg')).toString()) instanceof FileRegistry);
      const redis = registryFromUrl('redis://127.0.0.1:6379?prefix=x');
      const nats = registryFromUrl('nats://127.0.0.1:4222?bucket=x');
      assert.ok(redis instanceof RedisRegistry);
      assert.ok(nats instanceof NATSRegistry);
      await redis.close?.();
      await nats.close?.();
    });
  });

  describe('when given something else', () => {
    it('should throw a RangeError naming the schemes', () => {
      assert.throws(() => registryFromUrl('etcd://127.0.0.1:2379'), /is not one of memory:, file:, redis:, nats:/);
      assert.throws(() => registryFromUrl('not a url'), /is not a URL/);
    });
  });
});

describe('BastionOptions.registry as a URL', async () => {
  const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
  let pki: TestPki;
  const logger = new RecordingLogger();
  before(async () => {
    pki = await createTestPki();
  });

  describe('when the URL is malformed', () => {
    it('should refuse to boot, naming the option', async () => {
      await assert.rejects(Bastion.create({ services: [ClockService], tls: await pki.tlsFor('clock'), registry: 'zookeeper://x', logger }), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG') && /registry: /.test(e.detail));
    });
  });

  describe('when two apps share a Redis URL', () => {
    it('should let the client find and call the server, and close their connections on stop', { skip }, async () => {
      const url = `redis://127.0.0.1:6379?prefix=${runId('bastion-test-url')}`;
      const server = await Bastion.create({ services: [ClockService], tls: await pki.tlsFor('clock'), registry: url, logger });
      const client = await Bastion.create({ tls: await pki.tlsFor('frontend'), registry: url, registryPolicy: { allowServices: ['clock'] }, logger });
      try {
        await server.start();
        assert.deepEqual(await client.client.call('clock', 'ClockService.now', {}), { ok: true });
      } finally {
        await client.stop();
        await server.stop();
      }
    });
  });
});
