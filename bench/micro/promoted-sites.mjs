// Which allocation sites fill the old generation of a bench server under load at 64 in
// flight: 3 s of V8's sampling heap profiler, keeping objects that survived the young
// generation (see promoted-sites-probe.mjs). Needs the bench build, like server-memory.mjs.
//
//   node bench/micro/promoted-sites.mjs [contender]      (default: bastion)
//   BENCH_ROOT=/tmp/base-build node bench/micro/promoted-sites.mjs
//   BENCH_PAYLOAD=kib (small, kib or big; default small); BENCH_REJECT=validation or
//   ratelimit loads with refused calls instead (Bastion only).
import { fork } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = process.env.BENCH_ROOT ?? fileURLToPath(new URL('../../', import.meta.url));
const contender = process.argv[2] ?? 'bastion';
const probe = fileURLToPath(new URL('./promoted-sites-probe.mjs', import.meta.url));
const bench = (file) => import(pathToFileURL(join(root, 'bench/dist', file)).href);
const { createBenchPki, removeBenchPki } = await bench('pki.js');
const { readBenchPki } = await bench('pki-file.js');
const { loadContender } = await bench('contenders/index.js');
const { throughput } = await bench('load.js');
const { PAYLOADS, echoRequest } = await bench('workload.js');

const pkiDir = join(tmpdir(), `bastion-promoted-pki-${process.pid}`);
await createBenchPki(pkiDir);
const server = fork(join(root, 'bench/dist/server.js'), [contender, pkiDir], { execArgv: ['--import', probe], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const next = (type) => new Promise((resolve) => server.on('message', function on(m) { if (m?.type === type) (server.off('message', on), resolve(m)); }));
try {
  const { port } = await next('ready');
  const client = await (await loadContender(contender)).connect(await readBenchPki(pkiDir), port);
  const request = echoRequest(PAYLOADS[process.env.BENCH_PAYLOAD ?? 'small']);
  const rejecting = process.env.BENCH_REJECT;
  const call = rejecting === undefined ? () => client.call(request) : () => client.reject(rejecting, request);
  await throughput(call, 64, 1);
  const load = throughput(call, 64, 4);
  await new Promise((resolve) => setTimeout(resolve, 500));
  server.send({ type: 'sample-start' });
  await next('sample-started');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  server.send({ type: 'sample-stop' });
  const { sites } = await next('sample');
  const { calls } = await load;
  await client.close();
  console.log(`${contender} (${rejecting ?? process.env.BENCH_PAYLOAD ?? 'small'}): bytes allocated in 3 s of ${calls} calls in 4 s that outlived the young generation, by allocating function`);
  for (const [site, bytes] of sites) console.log(`${(bytes / 1024).toFixed(0).padStart(8)} KiB  ${site}`);
} finally {
  server.kill();
  await removeBenchPki(pkiDir);
}
