import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineEchoService, FullEcho } from '../../examples/echo-bench/echo.service.js';
import { Bastion, BastionError, MemoryRegistry, type Logger } from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function refusal(call: Promise<unknown>): Promise<BastionError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  assert.ok(BastionError.is(error), `expected a BastionError, got ${String(error)}`);
  return error;
}

// The benchmarks count on these outcomes: a wrong one would make them measure something else.
describe('echo-bench example (the service npm run bench measures)', () => {
  let pki: TestPki;
  const apps: Bastion[] = [];

  async function serve(service: new () => object): Promise<{ member: Bastion; intruder: Bastion }> {
    const registry = new MemoryRegistry();
    const server = await Bastion.create({ services: [service], tls: await pki.tlsFor('echo'), registry, logger: QUIET });
    apps.push(server);
    await server.start();
    const client = async (name: string) => {
      const app = await Bastion.create({ tls: await pki.tlsFor(name), registry, registryPolicy: { allowServices: ['echo'] }, logger: QUIET });
      apps.push(app);
      return app;
    };
    return { member: await client('bench-client'), intruder: await client('intruder') };
  }

  before(async () => {
    pki = await createTestPki();
  });
  after(async () => {
    for (const app of apps.reverse()) await app.stop();
  });

  describe('FullEcho', () => {
    let member: Bastion;
    let intruder: Bastion;
    before(async () => ({ member, intruder } = await serve(FullEcho)));

    describe('when bench-client sends a valid request', () => {
      it('should echo it', async () => {
        assert.deepEqual(await member.client.call('echo', 'Echo.echo', { name: 'Ada', count: 3 }), { message: 'Hello, Ada', count: 3 });
      });
    });
    describe('when the request has the wrong types (the bench 400 phase)', () => {
      it('should refuse with 400 naming both fields', async () => {
        const error = await refusal(member.client.call('echo', 'Echo.echo', { name: 3, count: 'Ada' }));
        assert.equal(error.code, 400);
        assert.deepEqual(error.fields?.map((f) => f.path).sort(), ['count', 'name']);
      });
    });
    describe('when Echo.limited is called twice (the bench 429 phase)', () => {
      it('should answer the first and refuse the second with 429 and a retry-after', async () => {
        await member.client.call('echo', 'Echo.limited', { name: 'Ada', count: 1 });
        const error = await refusal(member.client.call('echo', 'Echo.limited', { name: 'Ada', count: 2 }));
        assert.equal(error.code, 429);
        assert.ok((error.retryAfterMs ?? 0) > 0);
      });
    });
    describe('when a verified caller outside the allow list calls', () => {
      it('should refuse with 403', async () => {
        assert.equal((await refusal(intruder.client.call('echo', 'Echo.echo', { name: 'Eve', count: 1 }))).code, 403);
      });
    });
  });

  describe('defineEchoService without an allow list (the bastion-no-allowlist variant)', () => {
    describe('when any verified caller calls', () => {
      it('should echo it', async () => {
        const { intruder } = await serve(defineEchoService({}));
        assert.deepEqual(await intruder.client.call('echo', 'Echo.echo', { name: 'Eve', count: 1 }), { message: 'Hello, Eve', count: 1 });
      });
    });
  });
});
