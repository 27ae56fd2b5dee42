// The adapters are typed against the shape of each package; here they meet the real ones.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import * as otel from '@opentelemetry/api';
import { pino } from 'pino';
import * as client from 'prom-client';
import { pinoLogger } from '../../src/logging/pino.logger.js';
import { promClientRegistry } from '../../src/metrics/prom-client.registry.js';
import { openTelemetryTracer } from '../../src/tracing/open-telemetry.tracer.js';

describe('promClientRegistry', () => {
  describe('when given the real prom-client and its own registry', () => {
    it('should expose Bastion metrics in the Prometheus text of that registry', async () => {
      const register = new client.Registry();
      const metrics = promClientRegistry(client, register);
      metrics.counter({ name: 'bastion_test_calls_total', help: 'calls', labelNames: ['code'] }).inc({ code: '429' });
      metrics.counter({ name: 'bastion_test_calls_total', help: 'calls', labelNames: ['code'] }).inc({ code: '429' });
      metrics.histogram({ name: 'bastion_test_seconds', help: 'latency', labelNames: [], buckets: [0.1, 1] }).observe({}, 0.05);
      const text = await metrics.metrics();
      assert.match(text, /^bastion_test_calls_total\{code="429"\} 2$/m);
      assert.match(text, /^bastion_test_seconds_bucket\{le="0.1"\} 1$/m);
      assert.equal(metrics.contentType, register.contentType);
    });
  });
});

describe('pinoLogger', () => {
  describe('when given a real pino logger', () => {
    it('should write one JSON record per event with key material redacted', () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      });
      const logger = pinoLogger(pino({ level: 'debug' }, sink), { redact: ['authorization'] });
      logger.warn('rate_limited', { peer: 'frontend', authorization: 'Bearer abc', key: '-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----' });
      logger.child?.({ component: 'server' }).info('server_started', { port: 1 });
      const [first, second] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(first?.['event'], 'rate_limited');
      assert.equal(first?.['peer'], 'frontend');
      assert.doesNotMatch(lines[0] ?? '', /Bearer abc|BEGIN PRIVATE KEY/);
      assert.equal(second?.['component'], 'server');
      assert.equal(second?.['event'], 'server_started');
    });
  });
});

describe('openTelemetryTracer', () => {
  describe('when given the real @opentelemetry/api with no SDK installed', () => {
    it('should start spans that continue the caller trace', () => {
      const tracer = openTelemetryTracer(otel);
      const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };
      const span = tracer.startSpan('Greeter.hello', { kind: 1 }, parent);
      assert.equal(span.spanContext().traceId, parent.traceId);
      span.end();
    });
  });
});
