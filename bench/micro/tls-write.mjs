// Experiment for issue 8, part 2, item 3: the cost of FrameSocket's write path on a real
// TLS socket over loopback, both ends in this process. Each round queues N request frames
// (100 B body) in one tick, the way FrameSocket does (cork, one write per frame, uncork on
// the next tick), or concatenated into one buffer and written once, then waits until the
// peer has read them all. The figure is this process's CPU µs per frame (both ends,
// encryption and decryption included), median of 3. Run after `npx tsc -p .`:
// `node bench/micro/tls-write.mjs`.
import tls from 'node:tls';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

const dist = new URL('../../dist/', import.meta.url);
const { createTestPki } = await import(new URL('test/fixtures/pki.js', dist).href);
const { encodeFrame } = await import(new URL('src/transport/framing.js', dist).href);

const pki = await createTestPki();
const pair = await pki.issue('bench');
const server = tls.createServer({ key: pair.keyPem, cert: pair.certPem });
let received = 0;
let waiting;
server.on('secureConnection', (socket) => socket.on('data', (chunk) => {
  received += chunk.length;
  if (waiting !== undefined && received >= waiting.bytes) waiting.resolve();
}));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const client = tls.connect({ host: '127.0.0.1', port: server.address().port, ca: pki.ca.certPem, servername: 'localhost', checkServerIdentity: () => undefined });
await once(client, 'secureConnect');

const header = { service: 'echo', endpoint: 'Echo.echo', contentType: 'application/json', metadata: {}, timeoutMs: 5000 };
const body = Buffer.from(JSON.stringify({ name: 'bench', count: 3, pad: 'x'.repeat(70) }));
let callId = 1;
const frame = () => encodeFrame({ kind: 'request', callId: callId++, header, body });

const strategies = {
  corked: (frames) => {
    client.cork();
    for (const bytes of frames) client.write(bytes);
    process.nextTick(() => client.uncork());
  },
  concatenated: (frames) => {
    process.nextTick(() => client.write(frames.length === 1 ? frames[0] : Buffer.concat(frames)));
  },
};

async function round(write, n) {
  const frames = Array.from({ length: n }, frame);
  const bytes = frames.reduce((sum, f) => sum + f.length, 0);
  const done = new Promise((resolve) => (waiting = { bytes: received + bytes, resolve }));
  write(frames);
  await done;
}

async function usPerFrame(write, n, seconds = 1) {
  for (let i = 0; i < 200; i++) await round(write, n);
  let frames = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await round(write, n);
    frames += n;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / frames;
}

for (const n of [1, 8, 64]) {
  for (const [name, write] of Object.entries(strategies)) {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await usPerFrame(write, n));
    runs.sort((a, b) => a - b);
    console.log(`${`${n} frames per tick, ${name}`.padEnd(36)} ${runs[1].toFixed(2).padStart(7)} µs CPU/frame  (runs ${runs.map((r) => r.toFixed(2)).join(' / ')})`);
  }
}
client.destroy();
server.close();
