import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issueServiceCertificate } from '../../src/security/dev-pki.js';
import { loadTLSMaterial } from '../../src/security/tls-material.js';
import { bastion } from './run-cli.js';

describe('bastion certs', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'bastion-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe('init then issue', () => {
    describe('when run on an empty folder', () => {
      it('should create a CA and a loadable service certificate with a 0600 key', async () => {
        const init = await bastion(['certs', 'init', '--dir', dir, '--trust-domain', 'cli.test']);
        assert.equal(init.code, 0, init.stderr);
        const issue = await bastion(['certs', 'issue', 'orders', '--dir', dir, '--trust-domain', 'cli.test']);
        assert.equal(issue.code, 0, issue.stderr);
        assert.match(issue.stdout, /orders: .*orders\.crt .*spiffe:\/\/cli\.test\/service\/orders/);
        assert.equal((await stat(join(dir, 'orders.key'))).mode & 0o777, 0o600);
        const material = await loadTLSMaterial({
          ca: { path: join(dir, 'ca.crt') },
          cert: { path: join(dir, 'orders.crt') },
          key: { path: join(dir, 'orders.key') },
          trustDomain: 'cli.test',
        });
        assert.equal(material.identity.name, 'orders');
      });
    });
  });

  describe('issue without --dir', () => {
    describe('when BASTION_PKI is set, as a generated app reads it', () => {
      it('should write into that folder, and --dir should still win over it', async () => {
        const shared = join(dir, 'shared-pki');
        const viaEnv = await bastion(['certs', 'issue', 'payments'], { cwd: dir, env: { BASTION_PKI: shared } });
        assert.equal(viaEnv.code, 0, viaEnv.stderr);
        assert.deepEqual((await readdir(shared)).sort(), ['ca.crt', 'ca.key', 'payments.crt', 'payments.key']);
        const flagged = join(dir, 'flagged-pki');
        const viaFlag = await bastion(['certs', 'issue', 'refunds', '--dir', flagged], { cwd: dir, env: { BASTION_PKI: shared } });
        assert.equal(viaFlag.code, 0, viaFlag.stderr);
        assert.ok((await readdir(flagged)).includes('refunds.crt'));
        assert.ok(!(await readdir(shared)).includes('refunds.crt'));
      });
    });
  });

  describe('inspect', () => {
    describe('when given a service certificate', () => {
      it('should print subject, SANs, identity, validity and fingerprint', async () => {
        await bastion(['certs', 'issue', 'billing', '--dir', dir, '--trust-domain', 'cli.test']);
        const run = await bastion(['certs', 'inspect', join(dir, 'billing.crt'), '--trust-domain', 'cli.test']);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^subject\s+CN=billing$/m);
        assert.match(run.stdout, /^SANs\s+URI:spiffe:\/\/cli\.test\/service\/billing$/m);
        assert.match(run.stdout, /^identity\s+spiffe:\/\/cli\.test\/service\/billing$/m);
        assert.match(run.stdout, /^valid to\s+\d{4}-\d\d-\d\dT/m);
        assert.match(run.stdout, /^SHA-256\s+([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
      });
    });

    describe('when asked for JSON about the CA', () => {
      it('should report a CA with no identity', async () => {
        const run = await bastion(['certs', 'inspect', join(dir, 'ca.crt'), '--json', '--trust-domain', 'cli.test']);
        assert.equal(run.code, 0, run.stderr);
        const report = JSON.parse(run.stdout) as { ca: boolean; identity: string | null; expired: boolean };
        assert.deepEqual([report.ca, report.identity, report.expired], [true, null, false]);
      });
    });

    describe('when the certificate has expired', () => {
      it('should say so', async () => {
        const ca = { certPem: await readFile(join(dir, 'ca.crt'), 'utf8'), keyPem: await readFile(join(dir, 'ca.key'), 'utf8') };
        const old = await issueServiceCertificate(ca, { service: 'old', trustDomain: 'cli.test', notBefore: new Date(Date.UTC(2020, 0, 1)), notAfter: new Date(Date.UTC(2021, 0, 1)) });
        await writeFile(join(dir, 'old.crt'), old.certPem);
        const run = await bastion(['certs', 'inspect', join(dir, 'old.crt'), '--trust-domain', 'cli.test']);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^valid to\s+2021-01-01T00:00:00\.000Z \(EXPIRED\)$/m);
      });
    });

    describe('when one of the names to issue is invalid', () => {
      it('should exit 2 and write nothing, not even the valid names', async () => {
        const empty = await mkdtemp(join(tmpdir(), 'bastion-cli-names-'));
        try {
          const run = await bastion(['certs', 'issue', 'orders', 'Orders', '--dir', empty]);
          assert.equal(run.code, 2);
          assert.match(run.stderr, /'Orders' is not a valid service name/);
          assert.deepEqual(await readdir(empty), []);
        } finally {
          await rm(empty, { recursive: true, force: true });
        }
      });
    });

    describe('when the file is missing or not a certificate', () => {
      it('should exit 1 naming the file', async () => {
        const missing = await bastion(['certs', 'inspect', join(dir, 'nope.crt')]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /cannot read .*nope\.crt \(ENOENT\)/);
        await writeFile(join(dir, 'junk.crt'), 'not a certificate');
        const junk = await bastion(['certs', 'inspect', join(dir, 'junk.crt')]);
        assert.equal(junk.code, 1);
        assert.match(junk.stderr, /is not a PEM certificate/);
      });
    });
  });

  describe('when the input is wrong', () => {
    it('should exit 2 with a message for an unknown action, a missing service, a bad name and an unknown flag', async () => {
      assert.equal((await bastion(['certs', 'frobnicate', '--dir', dir])).code, 2);
      assert.match((await bastion(['certs', 'issue', '--dir', dir])).stderr, /name at least one service/);
      const bad = await bastion(['certs', 'issue', '../evil', '--dir', dir]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /not a valid service name/);
      assert.equal((await bastion(['--frobnicate'])).code, 2);
      assert.equal((await bastion(['frobnicate'])).code, 2);
    });
  });

  describe('when the output is not a terminal', () => {
    it('should print no colour codes, even with NO_COLOR unset', async () => {
      const run = await bastion(['certs', 'frobnicate'], { env: { NO_COLOR: undefined } });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /unknown action 'frobnicate'/);
      assert.ok(!run.stderr.includes('\u001b['), 'ANSI escape in piped output');
    });
  });

  describe('when asked for help or the version', () => {
    it('should print them and exit 0', async () => {
      assert.match((await bastion(['--help'])).stdout, /Usage: bastion <command>/);
      assert.match((await bastion(['certs', '--help'])).stdout, /bastion certs init/);
      assert.match((await bastion(['--version'])).stdout, /^\d+\.\d+\.\d+/);
    });

    it('should give every command its own --help', async () => {
      const commands = ['new', 'certs', 'call', 'services', 'audit'];
      const runs = await Promise.all(commands.map((command) => bastion([command, '--help'])));
      runs.forEach((run, i) => {
        assert.equal(run.code, 0, `${commands[i]}: ${run.stderr}`);
        assert.match(run.stdout, new RegExp(`bastion ${commands[i]}`));
      });
    });
  });
});
