// Call scopes (for nested calls) are kept in a serving process and wherever the client was
// handed out; a client-only process that never hands it out pays no promise hook.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { Bastion, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { callScopesKept, currentCall, withCall } from '../../src/server/call-scope.js';
import type { CallContext } from '../../src/server/server.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

const run = promisify(execFile);
const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));

@Service({ name: 'quiet' })
class Quiet {
  @Handler()
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

/** Runs `body` in a fresh Node process (fresh module state) and returns what it prints. */
async function fresh(body: string): Promise<string> {
  const script = `import 'reflect-metadata';
const { Bastion, MemoryRegistry, Service, Handler, TOKENS, Client } = await import(${JSON.stringify(index)});
const { callScopesKept } = await import(${JSON.stringify(fileURLToPath(new URL('../../src/server/call-scope.js', import.meta.url)))});
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };
${body}`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 });
  return stdout.trim();
}

describe('call scopes', () => {
  it('should keep none in a client-only app until its client is taken, and keep them once a server starts', async () => {
    const out = await fresh(`
const app = await Bastion.create({ insecure: true, registry: new MemoryRegistry(), logger: quiet });
const booted = callScopesKept();
void app.client;
const taken = callScopesKept();
await app.stop();
console.log(JSON.stringify([booted, taken]));`);
    assert.deepEqual(JSON.parse(out), [false, true]);
    const ctx = { metadata: {}, timeoutMs: 0, remainingMs: () => Infinity } as unknown as CallContext;
    const server = await Bastion.create({ services: [Quiet], insecure: true, registry: new MemoryRegistry(), logger: new RecordingLogger() });
    await server.start();
    try {
      assert.equal(callScopesKept(), true, 'a serving process keeps call scopes, whoever reaches its client and when');
      assert.equal(withCall(ctx, () => currentCall()), ctx);
    } finally {
      await server.stop();
    }
  });

  it('should keep them once the client token is resolved from the container', async () => {
    const out = await fresh(`
const app = await Bastion.create({ insecure: true, registry: new MemoryRegistry(), logger: quiet });
const before = callScopesKept();
app.container.get(TOKENS.Client);
console.log(JSON.stringify([before, callScopesKept()]));
await app.stop();`);
    assert.deepEqual(JSON.parse(out), [false, true]);
  });

  it('should keep them once a service that injects the client is resolved at start', async () => {
    const out = await fresh(`
const { inject } = await import('inversify');
class Gateway {
  constructor(client) { this.client = client; }
  ping() { return { ok: true }; }
}
inject(TOKENS.Client)(Gateway, undefined, 0);
Handler()(Gateway.prototype, 'ping', Object.getOwnPropertyDescriptor(Gateway.prototype, 'ping'));
Service({ name: 'gateway' })(Gateway);
const app = await Bastion.create({ services: [Gateway], insecure: true, registry: new MemoryRegistry(), logger: quiet });
const before = callScopesKept();
await app.start();
console.log(JSON.stringify([before, callScopesKept(), app.container.get(Gateway).client !== undefined]));
await app.stop();`);
    assert.deepEqual(JSON.parse(out), [false, true, true]);
  });
});
