// Attacks on what observability records: forged trace context, label flooding through
// unknown endpoints, log injection through field names, and a claimed identity in metadata.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, ConsoleLogger, MemoryRegistry } from '../../src/index.js';
import { MAX_LOGGED_FIELDS } from '../../src/logging/security-events.wrapper.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { Ledger, caller, scrape, serveLedger, type ObservedApp } from './observability-fixtures.js';

describe('observability under attack', () => {
  let pki: TestPki;
  const registry = new MemoryRegistry();
  let server: ObservedApp & { ledger: Ledger };
  let mallory: Bastion;

  before(async () => {
    pki = await createTestPki();
    server = await serveLedger(pki, registry);
    // No tracing on the attacker's side: whatever it puts in `traceparent` goes out as written.
    mallory = await Bastion.create({ tls: await pki.tlsFor('mallory'), registry, registryPolicy: { allowServices: ['ledger'] }, logger: new RecordingLogger() });
  });

  after(async () => {
    await mallory.stop();
    await server.app.stop();
  });

  describe('a forged traceparent', () => {
    describe('when it is malformed, oversized, all-zero or of version ff', () => {
      it('should start a new trace on the server and serve the call', async () => {
        const forged = [
          'garbage',
          `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
          `ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`,
          `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01${'-x'.repeat(2000)}`,
          '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
        ];
        for (const traceparent of forged) {
          const before = server.tracer.spans().length;
          const seen = await mallory.client.call<{ traceId: string }>('ledger', 'Ledger.traced', { memo: 'x' }, { metadata: { traceparent } });
          const span = server.tracer.spans()[before];
          assert.equal(span?.parentSpanId, undefined, traceparent.slice(0, 40));
          assert.equal(seen.traceId, span?.context.traceId);
          assert.ok(!traceparent.includes(seen.traceId));
        }
      });
    });
  });

  describe('a flood of calls to endpoints that do not exist', () => {
    describe('when each names a new endpoint and service', () => {
      it('should add no metric series (label values come only from served endpoints)', async () => {
        const before = (await scrape(server.app)).samples.length;
        for (let i = 0; i < 100; i++) {
          await assert.rejects(mallory.client.call('ledger', `Ledger.x${i}`, {}), (e) => BastionError.hasId(e, 'BST_ERR_SERVER_UNKNOWN_ENDPOINT'));
        }
        const after = await scrape(server.app);
        assert.equal(after.samples.length, before);
        assert.ok(after.samples.every((s) => !String(s.labels['endpoint']).startsWith('Ledger.x')));
      });
    });
  });

  describe('a claimed identity in call metadata', () => {
    describe('when mallory sends peer: frontend and is refused', () => {
      it('should log the verified identity, mallory', async () => {
        await assert.rejects(mallory.client.call('ledger', 'Ledger.guarded', {}, { metadata: { peer: 'frontend', identity: 'frontend' } }));
        const record = server.logger.records.filter((r) => r.event === 'call_refused_identity').at(-1);
        assert.equal(record?.fields['peer'], 'mallory');
      });
    });
  });
});

describe('validation_refused records under attack', () => {
  let pki: TestPki;
  const registry = new MemoryRegistry();
  const lines: string[] = [];
  let server: Bastion;
  let frontend: ObservedApp;

  before(async () => {
    pki = await createTestPki();
    const logger = new ConsoleLogger('info', (line) => lines.push(line));
    server = await Bastion.create({ services: [Ledger], tls: await pki.tlsFor('ledger'), registry, logger });
    await server.start();
    frontend = await caller(pki, registry, 'frontend', false);
  });

  after(async () => {
    await frontend.app.stop();
    await server.stop();
  });

  describe('when unknown keys carry newlines, forged JSON records and secrets, many times over', () => {
    it('should write one parseable JSON line, listing at most MAX_LOGGED_FIELDS shortened names and no value', async () => {
      const body: Record<string, string> = { memo: '' };
      body['evil\n{"event":"forged","level":"info"}'] = 'S3CRET';
      for (let i = 0; i < 200; i++) body[`k${i}${'z'.repeat(200)}`] = 'S3CRET';
      await assert.rejects(frontend.app.client.call('ledger', 'Ledger.entry', body), (e) => BastionError.is(e) && e.code === 400);
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(lines.length, records.length);
      assert.ok(!records.some((r) => r['event'] === 'forged'));
      const refused = records.filter((r) => r['event'] === 'validation_refused');
      assert.equal(refused.length, 1);
      const fields = refused[0]?.['fields'] as string[];
      assert.ok(fields.length <= MAX_LOGGED_FIELDS);
      assert.ok(fields.every((f) => f.length <= 65));
      assert.ok(!lines.join('\n').includes('S3CRET'));
    });
  });
});
