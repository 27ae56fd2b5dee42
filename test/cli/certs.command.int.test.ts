import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadTLSMaterial } from '../../src/security/tls-material.js';

const exec = promisify(execFile);
const MAIN = new URL('../../src/cli/main.js', import.meta.url).pathname;

async function bastion(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [MAIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('bastion certs', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'bastion-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when run as init then issue', () => {
    it('should create a CA and a loadable service certificate with a 0600 key', async () => {
      const init = await bastion('certs', 'init', '--dir', dir, '--trust-domain', 'cli.test');
      assert.equal(init.code, 0, init.stderr);
      const issue = await bastion('certs', 'issue', 'orders', '--dir', dir, '--trust-domain', 'cli.test');
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

  describe('when the input is wrong', () => {
    it('should exit 2 with a message for an unknown action, a missing service, a bad name and an unknown flag', async () => {
      assert.equal((await bastion('certs', 'frobnicate', '--dir', dir)).code, 2);
      assert.match((await bastion('certs', 'issue', '--dir', dir)).stderr, /name at least one service/);
      const bad = await bastion('certs', 'issue', '../evil', '--dir', dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /not a valid service name/);
      assert.equal((await bastion('--frobnicate')).code, 2);
    });
  });

  describe('when asked for help or the version', () => {
    it('should print them and exit 0', async () => {
      assert.match((await bastion('--help')).stdout, /Usage: bastion <command>/);
      assert.match((await bastion('certs', '--help')).stdout, /bastion certs init/);
      assert.match((await bastion('--version')).stdout, /^\d+\.\d+\.\d+/);
    });
  });
});
