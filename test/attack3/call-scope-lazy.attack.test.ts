// Attack round 3: call scopes are kept only once the client is handed out (commit 0bc4d27).
// A realistic front service reaches the client when it first needs it (`app.client` read inside
// the handler, or a container lookup on first use). The call that first hands the client out,
// and every call already in flight then, runs without a scope: its nested call loses the
// caller's propagated metadata (x-request-id, trace-id) and is not capped by the caller's
// deadline (it gets the client's default timeout instead of what the caller had left).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);
const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));

const script = `import 'reflect-metadata';
import { connect } from 'node:net';
const { Bastion, MemoryRegistry, Service, Handler } = await import(${JSON.stringify(index)});
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
class Back { echo() { const ctx = arguments[1]; return { rid: ctx.metadata['x-request-id'] ?? null, timeoutMs: ctx.timeoutMs }; } }
Handler()(Back.prototype, 'echo', Object.getOwnPropertyDescriptor(Back.prototype, 'echo'));
Service({ name: 'back' })(Back);
class Front { async relay() { return globalThis.app.client.call('back', 'Back.echo', undefined); } }
Handler()(Front.prototype, 'relay', Object.getOwnPropertyDescriptor(Front.prototype, 'relay'));
Service({ name: 'front' })(Front);
const app = await Bastion.create({ services: [Front, Back], insecure: true, registry: new MemoryRegistry(), registryPolicy: { allowServices: ['back'] }, logger: quiet });
globalThis.app = app;
const { port } = await app.start();
const socket = await new Promise((resolve) => { const s = connect({ host: '127.0.0.1', port }, () => resolve(s)); });
function frame(callId) {
  const header = Buffer.from(JSON.stringify({ service: 'front', endpoint: 'Front.relay', contentType: 'application/json', metadata: { 'x-request-id': 'r-' + callId }, timeoutMs: 300 }));
  const prefix = Buffer.alloc(13);
  prefix.writeUInt32BE(9 + header.length, 0); prefix.writeUInt8(1, 4); prefix.writeUInt32BE(callId, 5); prefix.writeUInt32BE(header.length, 9);
  return Buffer.concat([prefix, header]);
}
let pending = Buffer.alloc(0); const waiting = new Map();
socket.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
    const len = pending.readUInt32BE(0); const p = pending.subarray(4, 4 + len); const hl = p.readUInt32BE(5);
    waiting.get(p.readUInt32BE(1))?.({ kind: p[0], header: p.subarray(9, 9 + hl).toString(), body: p.subarray(9 + hl).toString() });
    pending = pending.subarray(4 + len);
  }
});
const call = (id) => new Promise((resolve) => { waiting.set(id, resolve); socket.write(frame(id)); });
const out = [await call(1), await call(2)];
console.log(JSON.stringify(out.map((r) => (r.kind === 2 ? JSON.parse(r.body) : r.header))));
socket.destroy();
await app.stop();`;

describe('attack3: call scope when the client is reached lazily inside a handler', () => {
  it('should give the first nested call the caller x-request-id and at most the 300 ms the caller had left', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
    const [first, second] = JSON.parse(stdout.trim()) as { rid: string | null; timeoutMs: number }[];
    assert.ok(second !== undefined && second.rid === 'r-2' && second.timeoutMs <= 300, `second call (scope kept): ${JSON.stringify(second)}`);
    assert.ok(first !== undefined && first.rid === 'r-1' && first.timeoutMs <= 300, `first call lost its scope: nested call saw ${JSON.stringify(first)}`);
  });
});
