// CPU per call of whole calls over a real mTLS loopback connection, client and server in
// this one process (so one CPU figure covers both): 64 calls in flight, accepted, refused
// by validation (400) and by the rate limit (429). Usage: node bench/micro/tls-call.mjs [case]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = process.env.BENCH_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Bastion, MemoryRegistry, BastionError } = await import(`${dist}/src/index.js`);
const { FullEcho } = await import(`${dist}/examples/echo-bench/echo.service.js`);
const { createBenchPki, removeBenchPki } = await import(new URL('../dist/pki.js', import.meta.url).pathname);

const dir = await mkdtemp(join(tmpdir(), 'tls-call-'));
const pki = await createBenchPki(dir);
const tls = (cert, key) => ({ ca: { pem: pki.ca }, cert: { pem: cert }, key: { pem: key }, trustDomain: pki.trustDomain });
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
const registry = new MemoryRegistry();
const server = await Bastion.create({ services: [FullEcho], tls: tls(pki.serverCert, pki.serverKey), registry, logger: quiet });
await server.start();
const app = await Bastion.create({ tls: tls(pki.clientCert, pki.clientKey), registry, registryPolicy: { allowServices: ['echo'] }, logger: quiet });
const { client } = app;
const good = { name: 'bench-client-0000000000000000000000000000000000000000000000000000000000000000', count: 7 };
const bad = { name: 7, count: good.name };
const refusedWith = (code) => (error) => {
  if (!BastionError.is(error) || error.code !== code) throw error;
};
const cases = {
  accepted: () => client.call('echo', 'Echo.echo', good),
  refused400: () => client.call('echo', 'Echo.echo', bad).then(() => { throw new Error('accepted'); }, refusedWith(400)),
  refused429: () => client.call('echo', 'Echo.limited', good).then(() => undefined, refusedWith(429)),
};
async function load(op, ms) {
  let calls = 0;
  const until = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < until) {
      await op();
      calls++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return calls;
}
const only = process.argv[2];
for (const [name, op] of Object.entries(cases)) {
  if (only !== undefined && name !== only) continue;
  await load(op, 500);
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const start = process.cpuUsage();
    const calls = await load(op, 1000);
    const used = process.cpuUsage(start);
    runs.push((used.user + used.system) / calls);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name}: ${runs[1].toFixed(2)} µs CPU per call, client + server (runs ${runs.map((r) => r.toFixed(2)).join(' / ')})`);
}
await app.stop();
await server.stop();
await removeBenchPki(dir);
