import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Bastion, ensureDevPki, TOKENS, type Registry } from '../../src/index.js';
import { skipUnlessService } from '../fixtures/services.js';
import { Stamper } from '../testing/clock-service.fixture.js';
import { bastion } from './run-cli.js';
import { serveWithDevPki } from './serve-with-dev-pki.js';

async function serveStamper(pkiDir: string, registry: string): Promise<Bastion> {
  await ensureDevPki(pkiDir, 'bastion.local', ['auditor']);
  return (await serveWithDevPki(pkiDir, 'stamper', [Stamper], registry)).app;
}

describe('bastion services', () => {
  let dir: string;
  let registry: string;
  let server: Bastion;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-services-'));
    registry = pathToFileURL(join(dir, 'registry')).href;
    server = await serveStamper(join(dir, 'pki'), registry);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('when the registry is memory:, which no other process can see', () => {
    it('should say why it is empty and which registry to give instead', async () => {
      const run = await bastion(['services', '--registry', 'memory:']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^no services registered$/m);
      assert.match(run.stdout, /memory: is a registry inside one process.*--registry file:/);
    });
  });

  describe('when a service is registered in a file registry', () => {
    it('should list its version, node and endpoints', async () => {
      const run = await bastion(['services', '--registry', registry]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^service\s+version\s+node\s+address\s+endpoints$/m);
      assert.match(run.stdout, /^stamper\s+1\.0\.0\s+\S+\s+127\.0\.0\.1:\d+\s+Stamper\.stamp$/m);
    });

    it('should print one service as JSON when named', async () => {
      const run = await bastion(['services', 'stamper', '--registry', registry, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const records = JSON.parse(run.stdout) as { name: string; nodes: unknown[] }[];
      assert.deepEqual(records.map((r) => [r.name, r.nodes.length]), [['stamper', 1]]);
    });

    it('should let bastion call find the node through the same registry', async () => {
      const run = await bastion(['call', 'stamper', 'Stamper.stamp', '{"label":"via registry"}', '--registry', registry, '--identity', 'auditor', '--pki', join(dir, 'pki')]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { label: string }).label, 'via registry');
    });
  });

  describe('when the service is unknown', () => {
    it('should exit 1 from services and from call', async () => {
      const [listed, called] = await Promise.all([
        bastion(['services', 'billing', '--registry', registry]),
        bastion(['call', 'billing', 'Billing.charge', '{}', '--registry', registry, '--identity', 'auditor', '--pki', join(dir, 'pki')]),
      ]);
      assert.equal(listed.code, 1);
      assert.match(listed.stderr, /service 'billing' is not in/);
      assert.equal(called.code, 1);
      assert.match(called.stderr, /^error \d{3} /);
    });
  });

  describe('when the registry URL is wrong or missing', () => {
    it('should exit 2', async () => {
      const runs = await Promise.all([
        bastion(['services', '--registry', 'etcd://x']),
        bastion(['services', '--registry', 'not a url']),
        bastion(['services'], { env: { BASTION_REGISTRY: undefined } }),
      ]);
      assert.deepEqual(runs.map((r) => r.code), [2, 2, 2], runs.map((r) => r.stderr).join('\n'));
    });
  });

  describe('when the registry is Redis', () => {
    it('should list what a server registered there', async (t) => {
      const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
      if (skip !== false) return t.skip(skip);
      const url = `redis://127.0.0.1:6379?prefix=bastion-cli-${process.pid}-${Date.now()}:`;
      const app = await serveStamper(join(dir, 'pki'), url);
      try {
        const run = await bastion(['services', '--registry', url]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^stamper\s+1\.0\.0\s+/m);
      } finally {
        await app.stop();
        await app.container.get<Registry>(TOKENS.InnerRegistry).close?.();
      }
    });
  });
});
