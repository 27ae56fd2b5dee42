// The contract of `bastion new` (go-micro's contract_test.go idea): pack this package, scaffold
// a project through npx from the tarball, install it offline, and run its own test and start
// commands. It never skips: a generated project that does not work is a failed build.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const OFFLINE = ['--prefer-offline', '--no-audit', '--no-fund'];

// The project's own `node --test` would report to this runner if NODE_TEST_CONTEXT leaked, and
// npm_* variables (set when this suite runs under `npm test`, e.g. npm_config_local_prefix) would
// point the nested npm at this repository instead of the generated project.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_TEST_CONTEXT' && key !== 'INIT_CWD' && !key.startsWith('npm_')));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs, env: { ...ENV, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

function ok(result: Run, what: string): Run {
  assert.equal(result.code, 0, `${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Starts `npm start` in its own process group and resolves with the address it prints. */
function start(cwd: string): Promise<{ stop(): Promise<void>; address: string }> {
  const child = spawn(NPM, ['start'], { cwd, detached: true, env: { ...ENV, PORT: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    // The group holds npm and the node process it started; both are ours.
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
  };
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`npm start printed no address:\n${output}`))), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+:\d+) \(mutual TLS\)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ stop, address: match[1] as string });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}

describe('bastion new (contract)', { timeout: 300_000 }, () => {
  let dir: string;
  let project: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bastion-contract-'));
    project = join(dir, 'demo-svc');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when scaffolded through npx from the packed tarball', () => {
    it('should install offline, pass its own npm test, and answer a call over mTLS once started', async () => {
      const packed = ok(await run(NPM, ['pack', '--pack-destination', dir, '--silent'], PACKAGE_ROOT), 'npm pack');
      const tarball = join(dir, packed.stdout.trim().split('\n').pop() as string);

      ok(await run(NPX, ['--yes', ...OFFLINE, '--package', tarball, '--', 'bastion', 'new', 'demo-svc', '--yes', '--bastion', `file:${tarball}`], dir), 'npx bastion new');
      ok(await run(NPM, ['install', ...OFFLINE], project), 'npm install');

      const tested = ok(await run(NPM, ['test'], project), 'npm test');
      assert.match(tested.stdout, /# pass 3\n# fail 0/);

      const server = await start(project);
      try {
        const bin = join(project, 'node_modules', '.bin', 'bastion');
        const args = ['call', 'demo-svc', 'DemoSvc.hello', '{"name":"Ada"}', '--address', server.address];
        const reply = ok(await run(bin, [...args, '--identity', 'demo-svc-client'], project), 'bastion call');
        assert.deepEqual(JSON.parse(reply.stdout), { message: 'Hello, Ada!', caller: 'demo-svc-client' });

        const refused = await run(bin, [...args, '--identity', 'demo-svc'], project);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /^error 403 /);

        ok(await run(bin, ['audit', 'dist/src/app.js', '--strict'], project), 'bastion audit --strict');

        // A second copy on the same port says what is wrong in one line, not with a stack.
        const port = server.address.split(':').pop() as string;
        const second = await new Promise<Run>((resolve) => {
          execFile(process.execPath, ['dist/src/main.js'], { cwd: project, timeout: 60_000, env: { ...ENV, PORT: port } }, (error, stdout, stderr) => {
            resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
          });
        });
        assert.equal(second.code, 1, second.stderr);
        assert.match(second.stderr, new RegExp(`^demo-svc cannot start: The server cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use \\(EADDRINUSE\\)`, 'm'));
        assert.doesNotMatch(second.stderr, /^\s+at /m);
      } finally {
        await server.stop();
      }
    });
  });
});
