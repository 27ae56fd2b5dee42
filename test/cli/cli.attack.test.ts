// Attacks on what the CLI does for a user: dialling a node an attacker controls, trusting a
// record forged straight into the registry store, and leaking key material when inspecting.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureDevPki, Handler, Service } from '../../src/index.js';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { Stamper, StampRequest } from '../testing/clock-service.fixture.js';
import { bastion } from './run-cli.js';
import { serveWithDevPki, type Served } from './serve-with-dev-pki.js';

let rogueCalls = 0;

/** What an attacker serves: it would happily answer anything it is sent. */
@Service({ name: 'intruder' })
class Rogue {
  @Handler()
  stamp(_request: StampRequest): { label: string } {
    rogueCalls += 1;
    return { label: 'forged' };
  }
}

describe('bastion CLI (attacks)', () => {
  let dir: string;
  let rogue: Served;
  const pki = () => join(dir, 'pki');
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-cli-attack-'));
    await ensureDevPki(pki(), 'bastion.local', ['auditor']);
    rogue = await serveWithDevPki(pki(), 'intruder', [Rogue]);
  });
  after(async () => {
    await rogue.app.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('call', () => {
    describe('when --address points at a node with a valid certificate of another identity', () => {
      it('should refuse the server before sending the request', async () => {
        const run = await bastion(['call', 'stamper', 'Stamper.stamp', '{"label":"secret"}', '--address', rogue.address, '--identity', 'auditor', '--pki', pki()]);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /BST_ERR_SECURITY_SERVER_IDENTITY/);
        assert.doesNotMatch(run.stdout, /forged/);
        assert.equal(rogueCalls, 0);
      });
    });

    describe('when a record forged straight into the registry store points at the attacker', () => {
      it('should still refuse the node, which cannot prove the service identity', async () => {
        const store = join(dir, 'registry');
        const [host, port] = rogue.address.split(':') as [string, string];
        const forged = { name: 'stamper', version: '1.0.0', metadata: {}, endpoints: [{ name: 'Stamper.stamp', request: 'StampRequest', codec: 'application/json' }], nodes: [{ id: 'evil', host, port: Number(port), metadata: {} }] };
        await new FileRegistry({ directory: store }).register(forged, { ttlMs: 60_000 });
        const run = await bastion(['call', 'stamper', 'Stamper.stamp', '{"label":"secret"}', '--registry', pathToFileURL(store).href, '--identity', 'auditor', '--pki', pki()]);
        assert.equal(run.code, 1);
        assert.doesNotMatch(run.stdout, /forged/);
        assert.equal(rogueCalls, 0);
      });
    });

    describe('when the node claims the right identity with a certificate from another CA', () => {
      it('should fail the handshake and print no reply', async () => {
        const impostor = await serveWithDevPki(join(dir, 'other-pki'), 'stamper', [Stamper]);
        try {
          const run = await bastion(['call', 'stamper', 'Stamper.stamp', '{"label":"secret"}', '--address', impostor.address, '--identity', 'auditor', '--pki', pki()]);
          assert.equal(run.code, 1);
          assert.equal(run.stdout, '');
          assert.match(run.stderr, /^error \d{3} /);
        } finally {
          await impostor.app.stop();
        }
      });
    });
  });

  describe('services', () => {
    describe('when a record that breaks the registry policy is forged straight into the store', () => {
      it('should drop it from the listing and warn', async () => {
        const store = join(dir, 'forged-registry');
        const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
        const node = { id: 'ghost-1', host: '127.0.0.1', port: 4000, metadata: {} };
        await new FileRegistry({ directory: store }).register({ name: 'ghost', version: '1.0.0', metadata, endpoints: [], nodes: [node] }, { ttlMs: 60_000 });
        const run = await bastion(['services', '--registry', pathToFileURL(store).href]);
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /ghost/);
        assert.match(run.stderr, /registry_record_dropped/);
      });
    });
  });

  describe('certs inspect', () => {
    describe('when pointed at a private key', () => {
      it('should refuse and print nothing of the key', async () => {
        const keyPath = join(pki(), 'auditor.key');
        const key = await readFile(keyPath, 'utf8');
        const run = await bastion(['certs', 'inspect', keyPath, '--json']);
        assert.equal(run.code, 1);
        const body = key.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
        for (const line of body) assert.ok(!run.stdout.includes(line) && !run.stderr.includes(line), 'key material was printed');
      });
    });
  });

  describe('new', () => {
    describe('when the name tries to escape the working folder', () => {
      it('should refuse it and write nothing', async () => {
        const runs = await Promise.all(['../../escape', '@scope/../../escape', '/tmp/escape'].map((name) => bastion(['new', name, '--yes'], { cwd: dir })));
        assert.deepEqual(runs.map((r) => r.code), [2, 2, 2]);
        await assert.rejects(readFile(join(dir, '..', 'escape', 'package.json')));
      });
    });
  });
});
