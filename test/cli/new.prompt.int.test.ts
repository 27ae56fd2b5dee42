// `bastion new` in a terminal: util-linux `script` gives the CLI a pseudo-terminal, so it
// prompts exactly as it would for a person, and the answers are typed on its stdin.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_MAIN } from './run-cli.js';

const { NO_COLOR: _inherited, ...withoutNoColor } = process.env;
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

function inTerminal(args: string, answers: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('script', ['-qec', `${process.execPath} ${CLI_MAIN} ${args}`, '/dev/null'], { cwd, timeout: 30_000, env: { ...withoutNoColor, ...env } }, (error, stdout) =>
      resolve({ code: error === null ? 0 : Number(error.code), output: stdout }),
    );
    child.stdin?.end(answers);
  });
}

describe('bastion new (terminal)', { skip: HAS_SCRIPT ? false : 'util-linux script is not installed' }, () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'bastion-prompt-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  describe('when the name and choices are missing', () => {
    it('should ask for each and use the answers', async () => {
      const run = await inTerminal('new', 'acme-api\nredis\npnpm\n', dir);
      assert.equal(run.code, 0, run.output);
      assert.match(run.output, /package name \[my-service\]: .*registry \(memory \| file \| redis \| nats\) \[memory\]: .*package-manager \(npm \| pnpm \| yarn\) \[npm\]: /s);
      const pkg = JSON.parse(await readFile(join(dir, 'acme-api', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      assert.match(pkg.scripts['test']!, /^pnpm run build/);
      assert.match(await readFile(join(dir, 'acme-api', 'src', 'app.ts'), 'utf8'), /'redis:\/\/127\.0\.0\.1:6379'/);
    });
  });

  describe('when an error is printed to a terminal', () => {
    it('should colour it, and not when NO_COLOR is set', async () => {
      const coloured = await inTerminal('new Bad --yes', '', dir);
      assert.equal(coloured.code, 2);
      assert.ok(coloured.output.includes('\u001b[31musage error:'), coloured.output);
      const plain = await inTerminal('new Bad --yes', '', dir, { NO_COLOR: '1' });
      assert.ok(!plain.output.includes('\u001b['), plain.output);
    });
  });

  describe('when --yes is given', () => {
    it('should ask nothing and take the defaults', async () => {
      const run = await inTerminal('new quiet-api --yes', '', dir);
      assert.equal(run.code, 0, run.output);
      assert.doesNotMatch(run.output, /\[memory\]:/);
      assert.match(run.output, /memory registry/);
    });
  });
});
