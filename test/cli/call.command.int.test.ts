import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Bastion, ensureDevPki } from '../../src/index.js';
import { Stamper } from '../testing/clock-service.fixture.js';
import { bastion } from './run-cli.js';
import { serveWithDevPki } from './serve-with-dev-pki.js';

describe('bastion call', () => {
  let dir: string;
  let server: Bastion;
  let address: string;
  // A second project's PKI: its own CA, and a certificate for the same identity.
  let otherRoot: string;
  let otherPki: string;
  const call = (...args: string[]) => bastion(['call', ...args, '--pki', dir, '--address', address]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-call-'));
    await ensureDevPki(dir, 'bastion.local', ['auditor', 'intruder']);
    ({ app: server, address } = await serveWithDevPki(dir, 'stamper', [Stamper]));
    otherRoot = await mkdtemp(join(tmpdir(), 'bastion-call-other-'));
    otherPki = join(otherRoot, '.bastion', 'pki');
    await ensureDevPki(otherPki, 'bastion.local', ['auditor']);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(otherRoot, { recursive: true, force: true });
  });

  describe('when the caller is allowed', () => {
    it('should print the reply as JSON and exit 0', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{"label":"cli"}', '--identity', 'auditor', '--metadata', 'trace-id=abc', '--metadata', 'Tenant=acme', '--timeout', '5000');
      assert.equal(run.code, 0, run.stderr);
      const reply = JSON.parse(run.stdout) as { label: string; caller: string; trace: string; timeoutMs: number };
      assert.deepEqual([reply.label, reply.caller, reply.trace, reply.timeoutMs], ['cli', 'auditor', 'abc', 5000]);
    });

    it('should take --cert/--key/--ca in place of --identity', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{"label":"x"}', '--cert', join(dir, 'auditor.crt'), '--key', join(dir, 'auditor.key'), '--ca', join(dir, 'ca.crt'));
      assert.equal(run.code, 0, run.stderr);
    });
  });

  describe('when the server answers with an error', () => {
    it('should print 403 with its id for an identity that is not allowed, and exit 1', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{"label":"x"}', '--identity', 'intruder');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error 403 Forbidden \[BST_ERR_SECURITY_PEER_NOT_ALLOWED\]/);
    });

    it('should print 400 with the fields for an invalid request', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{"label":"","admin":true}', '--identity', 'auditor', '--json');
      assert.equal(run.code, 1);
      const wire = JSON.parse(run.stderr) as { error: { code: number; fields: { path: string }[] } };
      assert.equal(wire.error.code, 400);
      assert.deepEqual(wire.error.fields.map((f) => f.path).sort(), ['admin', 'label']);
    });

    it('should print 404 for an unknown endpoint', async () => {
      const run = await call('stamper', 'Stamper.nothing', '{}', '--identity', 'auditor');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error 404 /);
    });
  });

  describe('when the service is unknown at that address', () => {
    it('should refuse the server, which proves another identity, and exit 1', async () => {
      const run = await call('billing', 'Billing.charge', '{}', '--identity', 'auditor');
      assert.equal(run.code, 1);
      // The client's retry may replace the identity refusal with "no node left"; either way nothing was sent.
      assert.match(run.stderr, /BST_ERR_SECURITY_SERVER_IDENTITY.*proved the identity 'stamper', not 'billing'/);
    });
  });

  describe('when --pki is not given', () => {
    const viaEnv = (pki: string, ...args: string[]) =>
      bastion(['call', 'stamper', 'Stamper.stamp', '{"label":"env"}', '--identity', 'auditor', '--address', address, ...args], { env: { BASTION_PKI: pki } });

    it('should use BASTION_PKI, as the generated app does', async () => {
      const run = await viaEnv(dir);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as { caller: string }).caller, 'auditor');
    });

    it('should let --pki win over BASTION_PKI', async () => {
      const run = await viaEnv(otherPki, '--pki', dir);
      assert.equal(run.code, 0, run.stderr);
    });
  });

  describe('when the server was issued by another CA than the one the CLI uses', () => {
    it('should fail the handshake and name the CA file and the PKI folder it came from', async () => {
      const run = await bastion(['call', 'stamper', 'Stamper.stamp', '{}', '--identity', 'auditor', '--address', address], { env: { BASTION_PKI: otherPki } });
      assert.equal(run.code, 1);
      const [first, hint] = run.stderr.trimEnd().split('\n');
      assert.match(first ?? '', /^error 503 Service Unavailable \[BST_ERR_CLIENT_CONNECTION\]: .*\(SELF_SIGNED_CERT_IN_CHAIN\)$/);
      assert.equal(
        hint,
        `  the server's certificate does not chain to the CA this call trusts, ${join(otherPki, 'ca.crt')} (PKI folder ${otherPki}, from BASTION_PKI); ` +
          'point the CLI at the PKI the server uses: --pki DIR or BASTION_PKI=DIR (or --ca FILE)',
      );
    });

    it('should say the default folder was used when neither --pki nor BASTION_PKI is set, and add the hint to --json', async () => {
      const run = await bastion(['call', 'stamper', 'Stamper.stamp', '{}', '--identity', 'auditor', '--address', address, '--json'], {
        cwd: otherRoot,
        env: { BASTION_PKI: undefined },
      });
      assert.equal(run.code, 1);
      const printed = JSON.parse(run.stderr) as { error: { id: string }; hint: string };
      assert.equal(printed.error.id, 'BST_ERR_CLIENT_CONNECTION');
      assert.match(printed.hint, /, .*\.bastion\/pki\/ca\.crt \(PKI folder \.bastion\/pki, the default: neither --pki nor BASTION_PKI is set\)/);
    });

    it('should name the --ca file when that is what the call trusted', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{}', '--identity', 'auditor', '--ca', join(otherPki, 'ca.crt'));
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`trusts, ${join(otherPki, 'ca.crt').replaceAll('.', '\\.')} \\(given with --ca\\)`));
    });
  });

  describe('when the certificate file is missing', () => {
    it('should exit 1 saying how to get one, without an HTTP status', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{"label":"x"}', '--identity', 'nobody');
      assert.equal(run.code, 1);
      assert.match(run.stderr, /no certificate for identity 'nobody' in .*: pass --identity <name> or run `bastion certs issue nobody`/);
      assert.doesNotMatch(run.stderr, /500|BST_ERR/);
    });

    it('should still name an unreadable file given with --cert', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{"label":"x"}', '--cert', join(dir, 'nobody.crt'), '--key', join(dir, 'nobody.key'));
      assert.equal(run.code, 1);
      assert.match(run.stderr, /BST_ERR_SECURITY_TLS_CONFIG.*nobody\.crt.*cannot be read \(ENOENT\)/);
    });
  });

  describe('when the command line is wrong', () => {
    it('should exit 2 for a request that is not JSON', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{label: x}', '--identity', 'auditor');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /the request is not valid JSON/);
    });

    it('should exit 2 for a request holding a prototype key, which the client would drop unsaid', async () => {
      for (const body of ['{"label":"x","__proto__":{"admin":true}}', '{"label":{"constructor":1}}', '[{"prototype":0}]']) {
        const run = await call('stamper', 'Stamper.stamp', body, '--identity', 'auditor');
        assert.equal(run.code, 2, body);
        assert.match(run.stderr, /the request holds the key '(__proto__|constructor|prototype)', which Bastion never sends/);
      }
    });

    it('should exit 2 for a bad address, timeout, metadata or service name', async () => {
      const runs = await Promise.all([
        bastion(['call', 'stamper', 'Stamper.stamp', '{}', '--address', 'nowhere']),
        call('stamper', 'Stamper.stamp', '{}', '--timeout', 'soon'),
        call('stamper', 'Stamper.stamp', '{}', '--metadata', 'novalue'),
        call('../stamper', 'Stamper.stamp', '{}'),
        bastion(['call', 'stamper']),
      ]);
      assert.deepEqual(runs.map((r) => r.code), [2, 2, 2, 2, 2], runs.map((r) => r.stderr).join('\n'));
    });

    it('should exit 2 with a hint for a file registry URL with two slashes', async () => {
      const runs = await Promise.all([
        bastion(['call', 'stamper', 'Stamper.stamp', '{}', '--pki', dir, '--identity', 'auditor', '--registry', 'file://tmp/x']),
        bastion(['services', '--registry', 'file://tmp/x']),
      ]);
      assert.deepEqual(runs.map((r) => r.code), [2, 2], runs.map((r) => r.stderr).join('\n'));
      for (const run of runs) assert.match(run.stderr, /usage error: .*names the host 'tmp': write a file registry as file:\/\/\/absolute\/path/);
    });

    it('should refuse a metadata key the client refuses, saying which characters it may hold', async () => {
      const run = await call('stamper', 'Stamper.stamp', '{}', '--identity', 'auditor', '--metadata', 'trace id=abc');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--metadata: a metadata key is not allowed \(letters, digits, _ \. - up to 64\)/);
    });
  });
});
