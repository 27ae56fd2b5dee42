// Runs every compiled *.test.js under dist/test with Node's own runner. The list is
// explicit because on Node 20 a directory argument would also run fixtures and suites.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];

function collect(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...collect(path));
    else if (entry.name.endsWith('.test.js')) files.push(path);
  }
  return files;
}

const files = collect(root)
  .filter((file) => filter === undefined || relative(root, file).includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`no test files${filter === undefined ? '' : ` match '${filter}'`}`);
  process.exit(1);
}
// A test stuck on a dead peer fails after two minutes. No --test-force-exit: it ends a file
// before tests registered late have run, and the run still passes. A leaked handle that
// keeps a file alive is caught by the overall limit instead, as a failure.
const args = ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=120000', ...files];
const RUN_LIMIT_MS = 9 * 60_000;
const result = spawnSync(process.execPath, args, { stdio: 'inherit', timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL' });
if (result.error !== undefined) {
  console.error(`test run stopped after ${RUN_LIMIT_MS / 60_000} minutes: a test file did not exit (a leaked handle?)`);
  process.exit(1);
}
process.exit(result.status ?? 1);
