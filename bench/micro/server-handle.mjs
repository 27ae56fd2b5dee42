// CPU per call of the server's whole call handling without the TLS socket: RPCServer's
// handler (route lookup, wrappers, decode, validation, handler, encode, error to wire),
// driven with the frames a client would send. Accepted, refused by validation (400) and by
// the rate limit (429); 64 calls started per tick, as the bench's 64 in flight.
// Usage: node bench/micro/server-handle.mjs   (BENCH_DIST=<other build>/dist to compare)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const dist = process.env.BENCH_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Bastion, MemoryRegistry } = await import(`${dist}/src/index.js`);
const { FullEcho } = await import(`${dist}/examples/echo-bench/echo.service.js`);
const { createBenchPki, removeBenchPki } = await import(new URL('../dist/pki.js', import.meta.url).pathname);

const dir = await mkdtemp(join(tmpdir(), 'server-handle-'));
const pki = await createBenchPki(dir);
const tls = { ca: { pem: pki.ca }, cert: { pem: pki.serverCert }, key: { pem: pki.serverKey }, trustDomain: pki.trustDomain };
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
const app = await Bastion.create({ services: [FullEcho], tls, registry: new MemoryRegistry(), logger: quiet });
const server = app.app.container.get(Symbol.for('bastion.Server'));
const handle = server.handle;
for (const endpoint of server.endpoints) server.route(endpoint);
const peer = Object.freeze({ identity: Object.freeze({ name: 'bench-client', trustDomain: pki.trustDomain, uri: `spiffe://${pki.trustDomain}/service/bench-client` }), authorized: true, remoteAddress: '127.0.0.1' });
const header = (endpoint) => Object.freeze({ service: 'echo', endpoint, contentType: 'application/json', metadata: Object.freeze({}), timeoutMs: 5000 });
const cases = {
  accepted: { header: header('Echo.echo'), body: Buffer.from(JSON.stringify({ name: 'bench-client-0000000000000000000000000000000000000000000000000000000000000000', count: 7 })) },
  refused400: { header: header('Echo.echo'), body: Buffer.from(JSON.stringify({ name: 7, count: 'bench-client-00000000000000000000000000000000000000000000000000000000000000' })) },
  refused429: { header: header('Echo.limited'), body: Buffer.from(JSON.stringify({ name: 'bench-client', count: 7 })) },
};
async function batch({ header: h, body }) {
  const calls = [];
  for (let i = 0; i < 64; i++) calls.push(handle({ header: h, body, peer }));
  const replies = await Promise.all(calls);
  return replies.length;
}
for (const [name, c] of Object.entries(cases)) {
  if (process.env.ONLY !== undefined && name !== process.env.ONLY) continue;
  for (let i = 0; i < 200; i++) await batch(c);
  const runs = [];
  for (let r = 0; r < 3; r++) {
    let calls = 0;
    const start = cpuMicros();
    const until = performance.now() + 1000;
    while (performance.now() < until) calls += await batch(c);
    runs.push((cpuMicros() - start) / calls);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name}: ${runs[1].toFixed(2)} µs CPU per call (runs ${runs.map((r) => r.toFixed(2)).join(' / ')})`);
}
await removeBenchPki(dir);
process.exit(0);
