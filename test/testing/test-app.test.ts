import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BastionError } from '../../src/index.js';
import { createTestApp, type TestApp, type TestTransport } from '../../src/testing/index.js';
import { Clock, Stamper } from './clock-service.fixture.js';

const FIXED = { now: () => '2026-01-01T00:00:00.000Z' };

for (const transport of ['tls', 'memory'] as TestTransport[]) {
  describe(`createTestApp (${transport})`, () => {
    let app: TestApp;
    before(async () => {
      app = await createTestApp({ services: [Stamper], transport, overrides: [{ provide: Clock, useValue: FIXED }] });
    });
    after(() => app.close());

    describe('.client', () => {
      describe('when the caller is allowed', () => {
        it('should call the handler with the overridden dependency and the chosen identity', async () => {
          const stamper = await app.client(Stamper, { as: 'auditor' });
          const reply = await stamper.stamp({ label: 'x' }, { metadata: { 'trace-id': 't-1' }, timeoutMs: 4000 });
          assert.deepEqual(reply, { label: 'x', at: FIXED.now(), caller: 'auditor', trace: 't-1', timeoutMs: 4000 });
        });
      });

      describe('when the caller identity is not allowed', () => {
        it('should get the 403 the server sends', async () => {
          const stamper = await app.client(Stamper, { as: 'stranger' });
          await assert.rejects(stamper.stamp({ label: 'x' }), (e: unknown) => BastionError.is(e) && e.code === 403);
        });
      });

      describe('when the request is invalid', () => {
        it('should get a 400 naming the field', async () => {
          const stamper = await app.client(Stamper, { as: 'auditor' });
          await assert.rejects(stamper.stamp({ label: '' }), (e: unknown) => BastionError.is(e) && e.code === 400 && e.fields?.[0]?.path === 'label');
        });
      });
    });

    describe('.get', () => {
      it('should resolve the override the service received', () => {
        assert.equal(app.get(Clock), FIXED);
      });
    });

    describe('.endpoints', () => {
      it('should list the protections of each endpoint', () => {
        assert.deepEqual(
          app.endpoints.map((r) => [r.endpoint, r.mutualTLS, r.allow]),
          [['Stamper.stamp', 'required', 'auditor']],
        );
      });
    });
  });
}

describe('createTestApp', () => {
  describe('.close', () => {
    describe('when called twice', () => {
      it('should stop once and leave clients unusable', async () => {
        const app = await createTestApp({ services: [Stamper], overrides: [{ provide: Clock, useValue: FIXED }] });
        const client = await app.clientAs('auditor');
        await Promise.all([app.close(), app.close()]);
        await assert.rejects(client.call('stamper', 'Stamper.stamp', { label: 'x' }), (e: unknown) => BastionError.is(e));
      });
    });
  });
});
