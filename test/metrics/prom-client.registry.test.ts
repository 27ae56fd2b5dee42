import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionMetrics, METRIC_NAMES, PrometheusRegistry } from '../../src/index.js';
import { promClientRegistry, type PromClientLike } from '../../src/metrics/prom-client.registry.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

/**
 * The slice of prom-client the adapter calls, kept in a PrometheusRegistry; like
 * prom-client, it refuses a second metric of the same name.
 */
function fakePromClient(): PromClientLike {
  const store = new PrometheusRegistry();
  const metrics = new Map<string, unknown>();
  const register = { contentType: store.contentType, metrics: () => store.metrics(), getSingleMetric: (name: string) => metrics.get(name) };
  const track = <T>(name: string, metric: T): T => {
    if (metrics.has(name)) throw new Error(`A metric with the name ${name} has already been registered.`);
    metrics.set(name, metric);
    return metric;
  };
  return {
    register,
    Counter: class {
      readonly inc;
      constructor(c: { name: string; help: string; labelNames: readonly string[] }) {
        this.inc = store.counter(c).inc;
        track(c.name, this);
      }
    },
    Gauge: class {
      readonly inc;
      readonly dec;
      readonly set;
      constructor(c: { name: string; help: string; labelNames: readonly string[] }) {
        ({ inc: this.inc, dec: this.dec, set: this.set } = store.gauge(c));
        track(c.name, this);
      }
    },
    Histogram: class {
      readonly observe;
      constructor(c: { name: string; help: string; labelNames: readonly string[]; buckets?: readonly number[] }) {
        this.observe = store.histogram(c).observe;
        track(c.name, this);
      }
    },
  };
}

describe(promClientRegistry.name, () => {
  describe('when BastionMetrics records into it', () => {
    it("should land in the app's prom-client registry, served with its content type", async () => {
      const client = fakePromClient();
      const registry = promClientRegistry(client);
      const metrics = new BastionMetrics(registry);
      metrics.serverCall('ledger', 'Ledger.post', 429, 0.002);
      metrics.inFlight('ledger', 'Ledger.post', 1);
      metrics.handshakeFailure('expired');
      const m = parsePrometheusText(await registry.metrics());
      assert.equal(registry.contentType, client.register.contentType);
      assert.equal(sampleValue(m, METRIC_NAMES.serverCalls, { service: 'ledger', endpoint: 'Ledger.post', code: '429' }), 1);
      assert.equal(sampleValue(m, `${METRIC_NAMES.serverDuration}_count`, { service: 'ledger', endpoint: 'Ledger.post' }), 1);
      assert.equal(sampleValue(m, METRIC_NAMES.serverInFlight, { service: 'ledger', endpoint: 'Ledger.post' }), 1);
      assert.equal(sampleValue(m, METRIC_NAMES.handshakeFailures, { reason: 'expired' }), 1);
    });
  });

  describe('when two apps declare Bastion metrics on the same prom-client registry', () => {
    it('should share the metrics instead of failing on the second declaration', async () => {
      const registry = promClientRegistry(fakePromClient());
      new BastionMetrics(registry).registration('accepted');
      new BastionMetrics(registry).registration('accepted');
      assert.equal(sampleValue(parsePrometheusText(await registry.metrics()), METRIC_NAMES.registrations, { outcome: 'accepted' }), 2);
    });
  });
});
