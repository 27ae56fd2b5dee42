// Server memory of one contender (issue 8, "server RSS after load"): RSS and heap of a
// fresh process after importing dist/src/index.js, then of the bench server after boot and
// after each load phase the bench runs (100 B, 1 KiB, 64 KiB at 64 in flight; for Bastion
// also refused calls, 400 and 429), three times, medians printed. The load is driven from
// this process. Needs `npx tsc -p . && npx tsc -p bench/tsconfig.json`.
//
//   node bench/micro/server-memory.mjs [contender]      (default: bastion)
//   BENCH_ROOT=/tmp/base-build node bench/micro/server-memory.mjs   (another build, same sitting)
//   BENCH_SECONDS=3 sets each load phase's length (default 3 s); BENCH_SMALL_ONLY=1 runs
//   only the 100 B phase; SERVER_FLAGS='--trace-gc-nvp' adds node flags to the server.
import { execFileSync, fork } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));
const contender = process.argv[2] ?? 'bastion';
const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const probe = fileURLToPath(new URL('./server-memory-probe.mjs', import.meta.url));
const bench = (file) => import(pathToFileURL(join(root, 'bench/dist', file)).href);

if (process.argv[2] === 'import-child') {
  await import(pathToFileURL(join(root, 'dist/src/index.js')).href);
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rss: rss / 2 ** 20, heapUsed: heapUsed / 2 ** 20 }));
  process.exit(0);
}

const { createBenchPki, removeBenchPki } = await bench('pki.js');
const { readBenchPki } = await bench('pki-file.js');
const { loadContender } = await bench('contenders/index.js');
const { throughput } = await bench('load.js');
const { PAYLOADS, echoRequest } = await bench('workload.js');

function next(child, type) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => m?.type === type && (child.off('message', onMessage), resolve(m));
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`${type}: child exited with ${code}`)));
  });
}

async function once(pkiDir) {
  const imported = JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'import-child'], { encoding: 'utf8', env: { ...process.env, BENCH_ROOT: root } }));
  const server = fork(join(root, 'bench/dist/server.js'), [contender, pkiDir], { execArgv: ['--expose-gc', '--import', probe, ...(process.env.SERVER_FLAGS ?? '').split(' ').filter(Boolean)], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const memory = async () => (server.send({ type: 'memory' }), next(server, 'memory'));
  try {
    const { port } = await next(server, 'ready');
    const phases = { import: imported, boot: await memory() };
    const client = await (await loadContender(contender)).connect(await readBenchPki(pkiDir), port);
    try {
      for (const [name, bytes] of Object.entries(PAYLOADS).slice(0, process.env.BENCH_SMALL_ONLY !== '1' ? 3 : 1)) {
        const request = echoRequest(bytes);
        await throughput(() => client.call(request), 64, seconds);
        phases[name] = await memory();
      }
      if (contender === 'bastion' && process.env.BENCH_SMALL_ONLY !== '1') {
        const request = echoRequest(PAYLOADS.small);
        for (const kind of ['validation', 'ratelimit']) {
          await throughput(() => client.reject(kind, request), 64, seconds);
          phases[kind] = await memory();
        }
      }
    } finally {
      await client.close();
    }
    return phases;
  } finally {
    server.kill();
  }
}

const pkiDir = join(tmpdir(), `bastion-memory-pki-${process.pid}`);
await createBenchPki(pkiDir);
const runs = [];
try {
  for (let i = 0; i < 3; i++) runs.push(await once(pkiDir));
} finally {
  await removeBenchPki(pkiDir);
}
const median = (pick) => runs.map(pick).sort((a, b) => a - b)[1].toFixed(1);
console.log(`${contender} (${root}), MiB, median of 3`);
console.log(`  after import of dist/src/index.js (fresh process): rss ${median((r) => r.import.rss)}, heap used ${median((r) => r.import.heapUsed)}`);
for (const phase of Object.keys(runs[0]).filter((p) => p !== 'import')) {
  const at = (pick) => median((r) => pick(r[phase]));
  console.log(
    `  server after ${phase.padEnd(10)}: rss ${at((m) => m.rssBeforeGc)} (after a full GC ${at((m) => m.rss)}), heap used ${at((m) => m.heapUsed)} of ${at((m) => m.heapTotal)} (new ${at((m) => m.spaces.new_space)}, old ${at((m) => m.spaces.old_space)}), external ${at((m) => m.external)}`,
  );
}
const last = Object.keys(runs[0]).at(-1);
console.log(`  packages in the CJS cache at the end: ${Object.entries(runs[0][last].packages).map(([n, c]) => `${n} ${c}`).join(', ') || 'none'}`);
