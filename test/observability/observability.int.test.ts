// Every security event and metric produced by a real call over mutual TLS that triggers
// it; the metrics endpoint read as Prometheus text; one trace across the hop.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BastionError, BastionMetrics, clientRateLimitWrapper, MemoryRegistry, METRIC_NAMES, PrometheusRegistry, PROMETHEUS_CONTENT_TYPE, SPAN_KIND, TOKENS, type Registry } from '../../src/index.js';
import { issueServiceCertificate } from '../../src/security/dev-pki.js';
import { createTestPki, TRUST_DOMAIN, type TestPki } from '../fixtures/pki.js';
import { parsePrometheusText, sampleValue } from '../metrics/prometheus-text.js';
import { caller, dialRaw, eventually, httpExchange, scrape, serveLedger, type ObservedApp, type Ledger } from './observability-fixtures.js';

const DAY_MS = 86_400_000;

describe('observability through Bastion', () => {
  let pki: TestPki;
  const registry = new MemoryRegistry();
  let server: ObservedApp & { ledger: Ledger };
  let frontend: ObservedApp;
  let mallory: ObservedApp;

  const events = (app: ObservedApp, event: string, endpoint?: string) =>
    app.logger.records.filter((r) => r.event === event && (endpoint === undefined || r.fields['endpoint'] === endpoint));

  before(async () => {
    pki = await createTestPki();
    server = await serveLedger(pki, registry);
    frontend = await caller(pki, registry, 'frontend');
    mallory = await caller(pki, registry, 'mallory', false);
  });

  after(async () => {
    await Promise.all([frontend.app.stop(), mallory.app.stop()]);
    await server.app.stop();
  });

  describe('a call over the rate limit', () => {
    describe('when the second call of a peer arrives within the interval', () => {
      it('should count one allowed and one rejected decision, a 429 call, and log one rate_limited event with the peer identity', async () => {
        assert.equal(await frontend.app.client.call('ledger', 'Ledger.limited', {}), 'ok');
        await assert.rejects(frontend.app.client.call('ledger', 'Ledger.limited', {}), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_EXCEEDED'));
        const logged = events(server, 'rate_limited', 'Ledger.limited');
        assert.equal(logged.length, 1);
        assert.equal(logged[0]?.level, 'warn');
        assert.equal(logged[0]?.fields['peer'], 'frontend');
        assert.equal(logged[0]?.fields['code'], 429);
        assert.equal(typeof logged[0]?.fields['retryAfterMs'], 'number');
        const m = await scrape(server.app);
        const where = { service: 'ledger', endpoint: 'Ledger.limited' };
        assert.equal(sampleValue(m, METRIC_NAMES.rateLimitDecisions, { ...where, key_kind: 'peer', outcome: 'allowed' }), 1);
        assert.equal(sampleValue(m, METRIC_NAMES.rateLimitDecisions, { ...where, key_kind: 'peer', outcome: 'rejected' }), 1);
        assert.equal(sampleValue(m, METRIC_NAMES.serverCalls, { ...where, code: '200' }), 1);
        assert.equal(sampleValue(m, METRIC_NAMES.serverCalls, { ...where, code: '429' }), 1);
        assert.equal(sampleValue(m, `${METRIC_NAMES.serverDuration}_count`, where), 2);
        assert.equal(sampleValue(m, METRIC_NAMES.securityEvents, { event: 'rate_limited' }), 1);
        const own = parsePrometheusText(await (frontend.app.metrics?.metrics() ?? Promise.resolve('')));
        assert.equal(sampleValue(own, METRIC_NAMES.clientCalls, { ...where, code: '429' }), 1);
        assert.equal(events(frontend, 'rate_limited').length, 1);
      });
    });
  });

  describe('a call from an identity the allow list refuses', () => {
    describe('when mallory calls a frontend-only endpoint', () => {
      it('should count a 403 and log one call_refused_identity event naming mallory', async () => {
        await assert.rejects(mallory.app.client.call('ledger', 'Ledger.guarded', {}), (e) => BastionError.hasId(e, 'BST_ERR_SECURITY_PEER_NOT_ALLOWED'));
        assert.equal(await frontend.app.client.call('ledger', 'Ledger.guarded', {}), 'ok');
        const logged = events(server, 'call_refused_identity', 'Ledger.guarded');
        assert.equal(logged.length, 1);
        assert.equal(logged[0]?.fields['peer'], 'mallory');
        assert.equal(logged[0]?.fields['component'], 'security');
        const m = await scrape(server.app);
        assert.equal(sampleValue(m, METRIC_NAMES.serverCalls, { service: 'ledger', endpoint: 'Ledger.guarded', code: '403' }), 1);
        assert.equal(sampleValue(m, METRIC_NAMES.serverCalls, { service: 'ledger', endpoint: 'Ledger.guarded', code: '200' }), 1);
        assert.equal(sampleValue(m, METRIC_NAMES.securityEvents, { event: 'call_refused_identity' }), 1);
      });
    });
  });

  describe('a call beyond @MaxInFlight', () => {
    describe('when one call is held in the handler', () => {
      it('should show it in the in-flight gauge, shed the next with a 503 and log one shed event', async () => {
        let release: () => void = () => undefined;
        server.ledger.gate = new Promise((resolve) => (release = resolve));
        const where = { service: 'ledger', endpoint: 'Ledger.slow' };
        const held = frontend.app.client.call('ledger', 'Ledger.slow', {});
        await eventually(async () => sampleValue(await scrape(server.app), METRIC_NAMES.serverInFlight, where) === 1, 'the held call is in flight');
        await assert.rejects(frontend.app.client.call('ledger', 'Ledger.slow', {}), (e) => BastionError.hasId(e, 'BST_ERR_SERVER_OVERLOADED'));
        release();
        assert.equal(await held, 'done');
        const logged = events(server, 'shed', 'Ledger.slow');
        assert.equal(logged.length, 1);
        assert.equal(logged[0]?.fields['peer'], 'frontend');
        const m = await scrape(server.app);
        assert.equal(sampleValue(m, METRIC_NAMES.serverInFlight, where), 0);
        assert.equal(sampleValue(m, METRIC_NAMES.rateLimitDecisions, { ...where, key_kind: 'in-flight', outcome: 'shed' }), 1);
        assert.equal(sampleValue(m, METRIC_NAMES.serverCalls, { ...where, code: '503' }), 1);
      });
    });
  });

  describe('a request that fails validation', () => {
    describe('when a field is invalid and an unknown one carries a secret', () => {
      it('should log one validation_refused event with field names only, never their values', async () => {
        const secret = 'S3CRET-never-logged';
        await assert.rejects(frontend.app.client.call('ledger', 'Ledger.entry', { memo: '', extra: secret }), (e) => BastionError.is(e) && e.code === 400);
        const logged = events(server, 'validation_refused', 'Ledger.entry');
        assert.equal(logged.length, 1);
        const fields = logged[0]?.fields['fields'] as string[];
        assert.ok(fields.includes('memo'), JSON.stringify(fields));
        assert.ok(!JSON.stringify(server.logger.records).includes(secret));
        assert.equal(sampleValue(await scrape(server.app), METRIC_NAMES.serverCalls, { service: 'ledger', endpoint: 'Ledger.entry', code: '400' }), 1);
      });
    });
  });

  describe('TLS handshakes the server refuses', () => {
    describe('when callers present no certificate, an untrusted one and an expired one', () => {
      it('should log one handshake_refused event and count one failure for each reason', async () => {
        const port = server.app.container.get<{ start(): Promise<{ port: number }> }>(TOKENS.Server);
        const { port: bound } = await port.start();
        const foreign = await (await createTestPki()).issue('frontend');
        const now = Date.now();
        const expired = await issueServiceCertificate(pki.ca, { service: 'frontend', trustDomain: TRUST_DOMAIN, notBefore: new Date(now - 10 * DAY_MS), notAfter: new Date(now - DAY_MS) });
        await dialRaw(bound, pki.ca.certPem, undefined);
        await dialRaw(bound, pki.ca.certPem, foreign);
        await dialRaw(bound, pki.ca.certPem, expired);
        const reasons = () => events(server, 'handshake_refused').map((r) => r.fields['reason']);
        await eventually(() => reasons().length >= 3, 'three handshake_refused records');
        assert.deepEqual([...reasons()].sort(), ['expired', 'no_cert', 'untrusted']);
        const m = await scrape(server.app);
        for (const reason of ['no_cert', 'untrusted', 'expired']) assert.equal(sampleValue(m, METRIC_NAMES.handshakeFailures, { reason }), 1, reason);
      });
    });
  });

  describe('the registry', () => {
    describe('when the server registered and a foreign registration is refused', () => {
      it('should count accepted and refused (de)registrations and log one registration_refused and one deregistration_refused event', async () => {
        const validating = server.app.container.get<Registry>(TOKENS.Registry);
        const record = { name: 'intruder', version: '1', metadata: {}, endpoints: [], nodes: [{ id: 'i-1', host: '127.0.0.1', port: 1, metadata: {} }] };
        await assert.rejects(validating.register(record, { ttlMs: 5_000 }), (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED'));
        assert.equal(events(server, 'registration_refused').length, 1);
        await assert.rejects(validating.deregister(record), (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED'));
        assert.equal(events(server, 'deregistration_refused').length, 1);
        const m = await scrape(server.app);
        assert.ok(sampleValue(m, METRIC_NAMES.registrations, { outcome: 'accepted' }) >= 1);
        assert.equal(sampleValue(m, METRIC_NAMES.registrations, { outcome: 'refused' }), 2);
      });
    });

    describe('when a record forged straight into the store is read', () => {
      it('should log registry_record_dropped and count it', async () => {
        const forged = { name: 'ledger', version: '1', metadata: {}, endpoints: [], nodes: [{ id: 'forged', host: '127.0.0.1', port: 70_000, metadata: {} }] };
        await registry.register(forged, { ttlMs: 5_000 });
        try {
          await server.app.container.get<Registry>(TOKENS.Registry).getService('ledger');
          assert.ok(events(server, 'registry_record_dropped').length >= 1);
          assert.ok(sampleValue(await scrape(server.app), METRIC_NAMES.recordsDropped) >= 1);
        } finally {
          await registry.deregister(forged);
        }
      });
    });
  });

  describe('tracing across the hop', () => {
    describe('when the caller sets a trace id in the call metadata', () => {
      it('should reach the server handler context and both spans, the server span a child of the client span', async () => {
        const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
        const parent = '00f067aa0ba902b7';
        const seen = await frontend.app.client.call<{ traceparent: string; traceId: string; spanId: string }>(
          'ledger',
          'Ledger.traced',
          { memo: 'x' },
          { metadata: { traceparent: `00-${traceId}-${parent}-01` } },
        );
        const clientSpan = frontend.tracer.spans().find((s) => s.name === 'ledger/Ledger.traced');
        const serverSpan = server.tracer.spans().find((s) => s.name === 'ledger/Ledger.traced');
        assert.ok(clientSpan !== undefined && serverSpan !== undefined);
        assert.equal(clientSpan.kind, SPAN_KIND.CLIENT);
        assert.equal(serverSpan.kind, SPAN_KIND.SERVER);
        assert.equal(clientSpan.context.traceId, traceId);
        assert.equal(clientSpan.parentSpanId, parent);
        assert.equal(serverSpan.context.traceId, traceId);
        assert.equal(serverSpan.parentSpanId, clientSpan.context.spanId);
        assert.equal(seen.traceparent, `00-${traceId}-${clientSpan.context.spanId}-01`);
        assert.equal(seen.traceId, traceId);
        assert.equal(seen.spanId, serverSpan.context.spanId);
        assert.equal(serverSpan.attributes['bastion.peer'], 'frontend');
      });
    });

    describe('when a call is refused', () => {
      it('should end both spans with an error status naming the error id', async () => {
        await assert.rejects(mallory.app.client.call('ledger', 'Ledger.guarded', {}));
        const serverSpan = server.tracer.spans().filter((s) => s.name === 'ledger/Ledger.guarded').at(-1);
        assert.deepEqual(serverSpan?.status, { code: 2, message: 'BST_ERR_SECURITY_PEER_NOT_ALLOWED' });
        assert.equal(mallory.tracer.spans().at(-1)?.status.code, 2);
      });
    });
  });

  describe('the container logger', () => {
    describe('when components log', () => {
      it('should give each its child logger, bound to its component', () => {
        const componentOf = (event: string) => server.logger.records.find((r) => r.event === event)?.fields['component'];
        assert.deepEqual(['server_started', 'registration_accepted', 'rate_limited'].map(componentOf), ['server', 'registry', 'security']);
      });
    });
  });

  describe('a metrics registry shared with clientRateLimitWrapper', () => {
    describe('when the client paces itself to one call a minute', () => {
      it('should count its local refusal in the same registry as its calls', async () => {
        const shared = new PrometheusRegistry();
        const paced = await caller(pki, registry, 'frontend', { registry: shared }, {
          clientWrappers: [clientRateLimitWrapper({ tokensPerInterval: 1, interval: 'minute', metrics: new BastionMetrics(shared) })],
        });
        try {
          await paced.app.client.call('ledger', 'Ledger.guarded', {});
          await assert.rejects(paced.app.client.call('ledger', 'Ledger.guarded', {}), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_EXCEEDED'));
          const m = parsePrometheusText(await shared.metrics());
          const where = { service: 'ledger', endpoint: 'Ledger.guarded' };
          assert.equal(sampleValue(m, METRIC_NAMES.rateLimitDecisions, { ...where, key_kind: 'client', outcome: 'rejected' }), 1);
          assert.equal(sampleValue(m, METRIC_NAMES.clientCalls, { ...where, code: '429' }), 1);
          assert.equal(sampleValue(m, METRIC_NAMES.clientCalls, { ...where, code: '200' }), 1);
          assert.equal(sampleValue(m, `${METRIC_NAMES.clientDuration}_count`, where), 2);
        } finally {
          await paced.app.stop();
        }
      });
    });
  });

  describe('the metrics endpoint', () => {
    describe('when scraped', () => {
      it('should serve Prometheus text on loopback with its content type, and declare every Bastion metric', async () => {
        const endpoint = server.app.metricsEndpoint;
        assert.equal(endpoint?.host, '127.0.0.1');
        const reply = await httpExchange(`http://127.0.0.1:${endpoint?.port}/metrics`);
        assert.equal(reply.status, 200);
        assert.equal(reply.contentType, PROMETHEUS_CONTENT_TYPE);
        const m = parsePrometheusText(reply.body);
        for (const name of Object.values(METRIC_NAMES)) assert.ok(m.types.has(name), name);
        assert.equal(m.types.get(METRIC_NAMES.serverDuration), 'histogram');
      });
    });

    describe('when another path or method is asked for', () => {
      it('should answer 404 or 405 and no metrics', async () => {
        const base = `http://127.0.0.1:${server.app.metricsEndpoint?.port}`;
        assert.equal((await httpExchange(`${base}/`)).status, 404);
        const posted = await httpExchange(`${base}/metrics`, 'POST', 'x'.repeat(10_000));
        assert.equal(posted.status, 405);
        assert.doesNotMatch(posted.body, /bastion_/);
      });
    });

    describe('when metrics are off', () => {
      it('should serve nothing and expose no registry', () => {
        const plain = mallory.app;
        assert.equal(plain.metricsEndpoint, undefined);
        assert.ok(frontend.app.metrics !== undefined);
        assert.equal(frontend.app.metricsEndpoint, undefined);
      });
    });
  });
});
