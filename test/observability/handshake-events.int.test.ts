// The handshake refusals that need a server of their own: a revoked client certificate
// (the server checks a CRL) and, on the client side, a node proving another identity than
// the service called.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, MemoryRegistry, METRIC_NAMES } from '../../src/index.js';
import { createRevocationList } from '../../src/security/dev-pki.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';
import { rawTcp } from '../transport/tls-helpers.js';
import { Ledger, dialRaw, eventually, scrape } from './observability-fixtures.js';

describe('handshake_refused events', () => {
  let pki: TestPki;
  let server: Bastion;
  const serverLogger = new RecordingLogger();
  let revokedPair: Awaited<ReturnType<TestPki['issue']>>;
  let port: number;

  before(async () => {
    pki = await createTestPki();
    revokedPair = await pki.issue('frontend');
    const crl = await createRevocationList(pki.ca, { revoked: [revokedPair.certPem] });
    server = await Bastion.create({
      services: [Ledger],
      tls: { ...(await pki.tlsFor('ledger')), crl: { pem: crl } },
      registry: new MemoryRegistry(),
      logger: serverLogger,
      observability: { metrics: { endpoint: true } },
      transport: { handshakeTimeoutMs: 300 },
    });
    ({ port } = await server.start());
  });

  after(() => server.stop());

  describe('when a caller presents a revoked certificate', () => {
    it('should log handshake_refused with reason revoked and count it', async () => {
      await dialRaw(port, pki.ca.certPem, revokedPair);
      const refused = () => serverLogger.records.filter((r) => r.event === 'handshake_refused');
      await eventually(() => refused().length === 1, 'one handshake_refused record');
      assert.equal(refused()[0]?.fields['reason'], 'revoked');
      assert.equal(refused()[0]?.fields['code'], 'CERT_REVOKED');
      assert.equal(refused()[0]?.fields['component'], 'transport');
      assert.equal(sampleValue(await scrape(server), METRIC_NAMES.handshakeFailures, { reason: 'revoked' }), 1);
    });
  });

  describe('when a peer opens a TCP connection and never starts the handshake', () => {
    it('should close it at the handshake timeout and log handshake_refused with reason timeout', async () => {
      const socket = await rawTcp(port);
      await new Promise((resolve) => socket.once('close', resolve));
      const timedOut = () => serverLogger.records.filter((r) => r.event === 'handshake_refused' && r.fields['reason'] === 'timeout');
      await eventually(() => timedOut().length === 1, 'one timeout record');
      assert.equal(sampleValue(await scrape(server), METRIC_NAMES.handshakeFailures, { reason: 'timeout' }), 1);
    });
  });

  describe('when the registry points a service at a node that proves another identity', () => {
    it('should refuse on the client and log handshake_refused with reason wrong_identity', async () => {
      const poisoned = new MemoryRegistry();
      // The ledger node, registered as `orders`: a poisoned registry entry.
      await poisoned.register(
        { name: 'orders', version: '1', metadata: {}, endpoints: [{ name: 'Orders.list', request: '', codec: 'application/json' }], nodes: [{ id: 'o-1', host: '127.0.0.1', port, metadata: {} }] },
        { ttlMs: 30_000 },
      );
      const logger = new RecordingLogger();
      const client = await Bastion.create({ tls: await pki.tlsFor('billing'), registry: poisoned, registryPolicy: { allowServices: ['orders'] }, logger, observability: { metrics: true } });
      try {
        // The client may retry on another node; there is none, so the call ends as unavailable.
        await assert.rejects(client.client.call('orders', 'Orders.list', {}), (e) => BastionError.is(e) && e.code === 503);
        const refused = logger.records.filter((r) => r.event === 'handshake_refused');
        assert.ok(refused.length >= 1);
        assert.equal(serverLogger.records.filter((r) => r.event === 'handshake_refused' && r.fields['reason'] === 'aborted').length, 0);
        assert.deepEqual([refused[0]?.fields['side'], refused[0]?.fields['reason'], refused[0]?.fields['service']], ['client', 'wrong_identity', 'orders']);
        const m = parsePrometheusText(await (client.metrics?.metrics() ?? Promise.resolve('')));
        assert.equal(sampleValue(m, METRIC_NAMES.handshakeFailures, { reason: 'wrong_identity' }), refused.length);
        assert.equal(sampleValue(m, METRIC_NAMES.clientCalls, { service: 'orders', endpoint: 'Orders.list', code: '503' }), 1);
      } finally {
        await client.stop();
      }
    });
  });
});
