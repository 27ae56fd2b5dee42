// The newcomer trial's log flood, end to end: a 30-call burst into a rate limit over mutual
// TLS writes one server record and no client warning, while the metrics count every refusal.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BastionError, MemoryRegistry, METRIC_NAMES } from '../../src/index.js';
import { createTestPki } from '../fixtures/pki.js';
import { sampleValue } from '../metrics/prometheus-text.js';
import { caller, scrape, serveLedger, type Ledger, type ObservedApp } from '../observability/observability-fixtures.js';

describe('security event throttling through Bastion', () => {
  const registry = new MemoryRegistry();
  let server: ObservedApp & { ledger: Ledger };
  let shop: ObservedApp;

  before(async () => {
    const pki = await createTestPki();
    server = await serveLedger(pki, registry);
    shop = await caller(pki, registry, 'shop');
  });
  after(async () => {
    await shop.app.stop();
    await server.app.stop();
  });

  describe('a burst of 30 calls into a limit of 1 per minute', () => {
    describe('when they all arrive within one second', () => {
      it('should log one warn rate_limited on the server, only debug on the client, and count 29 refusals in the metrics', async () => {
        const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => shop.app.client.call('ledger', 'Ledger.limited', {})));
        const refused = outcomes.filter((o) => o.status === 'rejected' && BastionError.hasId(o.reason, 'BST_ERR_RATELIMIT_EXCEEDED')).length;
        assert.equal(refused, 29);
        const serverRecords = server.logger.records.filter((r) => r.event === 'rate_limited');
        assert.deepEqual(serverRecords.map((r) => [r.level, r.fields['peer']]), [['warn', 'shop']]);
        assert.deepEqual([...new Set(shop.logger.records.filter((r) => r.event === 'rate_limited').map((r) => r.level))], ['debug']);
        assert.equal(sampleValue(await scrape(server.app), METRIC_NAMES.securityEvents, { event: 'rate_limited' }), 29);
      });
    });
  });
});
