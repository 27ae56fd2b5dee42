// RSS an import adds to a process that already loaded node:tls and reflect-metadata (what
// every TLS server has), median of 5 fresh processes per line. Each argument is a module
// specifier, or several joined by '+', resolved from this repository.
//
//   node bench/micro/import-cost.mjs inversify class-validator ./dist/src/index.js
//   node bench/micro/import-cost.mjs /tmp/base-build/dist/src/index.js   (another build)
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const child = `await import('node:tls');
await import('reflect-metadata');
gc();
const before = process.memoryUsage().rss;
for (const specifier of JSON.parse(process.env.IMPORTS)) await import(specifier);
gc();
process.stdout.write(String((process.memoryUsage().rss - before) / 2 ** 20));`;

const specifier = (s) => (s.startsWith('.') || s.startsWith('/') ? pathToFileURL(resolve(root, s)).href : s);

for (const arg of process.argv.slice(2)) {
  const imports = JSON.stringify(arg.split('+').map(specifier));
  const runs = [];
  for (let i = 0; i < 5; i++) {
    runs.push(Number(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', child], { cwd: root, env: { ...process.env, IMPORTS: imports }, encoding: 'utf8' })));
  }
  runs.sort((a, b) => a - b);
  console.log(`${arg.padEnd(56)} ${runs[2].toFixed(1).padStart(6)} MiB  (runs ${runs.map((r) => r.toFixed(1)).join(' / ')})`);
}
