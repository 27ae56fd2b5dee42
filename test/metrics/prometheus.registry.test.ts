import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MAX_SERIES_PER_METRIC, PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/metrics.js';
import { PrometheusRegistry, formatNumber } from '../../src/metrics/prometheus.registry.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

describe(PrometheusRegistry.name, () => {
  describe('.metrics', () => {
    describe('when nothing is declared', () => {
      it('should render an empty exposition', async () => {
        assert.equal(await new PrometheusRegistry().metrics(), '');
        assert.equal(new PrometheusRegistry().contentType, PROMETHEUS_CONTENT_TYPE);
      });
    });

    describe('when a counter and a gauge hold series', () => {
      it('should render HELP, TYPE and one line per label set', async () => {
        const registry = new PrometheusRegistry();
        const calls = registry.counter({ name: 'calls_total', help: 'Calls', labelNames: ['code'] });
        const inFlight = registry.gauge({ name: 'in_flight', help: 'Now' });
        calls.inc({ code: 200 });
        calls.inc({ code: 200 }, 2);
        calls.inc({ code: 429 });
        inFlight.inc();
        inFlight.inc();
        inFlight.dec();
        const text = await registry.metrics();
        assert.equal(
          text,
          ['# HELP calls_total Calls', '# TYPE calls_total counter', 'calls_total{code="200"} 3', 'calls_total{code="429"} 1', '# HELP in_flight Now', '# TYPE in_flight gauge', 'in_flight 1', ''].join('\n'),
        );
        const parsed = parsePrometheusText(text);
        assert.equal(sampleValue(parsed, 'calls_total', { code: '200' }), 3);
        assert.equal(parsed.types.get('in_flight'), 'gauge');
      });
    });

    describe('when a histogram observes values', () => {
      it('should render cumulative buckets, +Inf, sum and count', async () => {
        const registry = new PrometheusRegistry();
        const latency = registry.histogram({ name: 'latency_seconds', help: 'Latency', labelNames: ['endpoint'], buckets: [0.1, 1] });
        latency.observe({ endpoint: 'A.b' }, 0.05);
        latency.observe({ endpoint: 'A.b' }, 0.5);
        latency.observe({ endpoint: 'A.b' }, 5);
        const parsed = parsePrometheusText(await registry.metrics());
        assert.equal(parsed.types.get('latency_seconds'), 'histogram');
        assert.equal(sampleValue(parsed, 'latency_seconds_bucket', { endpoint: 'A.b', le: '0.1' }), 1);
        assert.equal(sampleValue(parsed, 'latency_seconds_bucket', { endpoint: 'A.b', le: '1' }), 2);
        assert.equal(sampleValue(parsed, 'latency_seconds_bucket', { endpoint: 'A.b', le: '+Inf' }), 3);
        assert.equal(sampleValue(parsed, 'latency_seconds_count', { endpoint: 'A.b' }), 3);
        assert.equal(sampleValue(parsed, 'latency_seconds_sum', { endpoint: 'A.b' }), 5.55);
      });
    });

    describe('when a label value holds a quote, a backslash and a newline', () => {
      it('should escape them so the line parses back to the same value', async () => {
        const registry = new PrometheusRegistry();
        const value = 'a"b\\c\nd';
        registry.counter({ name: 'odd_total', help: 'Help with \\ and\nnewline', labelNames: ['v'] }).inc({ v: value });
        const text = await registry.metrics();
        assert.match(text, /# HELP odd_total Help with \\\\ and\\nnewline\n/);
        assert.equal(parsePrometheusText(text).samples[0]?.labels['v'], value);
      });
    });
  });

  describe('.counter', () => {
    describe('when declared twice with the same definition', () => {
      it('should share the series', async () => {
        const registry = new PrometheusRegistry();
        registry.counter({ name: 'x_total', help: 'X' }).inc();
        registry.counter({ name: 'x_total', help: 'X' }).inc();
        assert.equal(sampleValue(parsePrometheusText(await registry.metrics()), 'x_total'), 2);
      });
    });

    describe('when declared again with other labels or another type', () => {
      it('should refuse with BST_ERR_BOOT_INVALID_CONFIG', () => {
        const registry = new PrometheusRegistry();
        registry.counter({ name: 'x_total', help: 'X', labelNames: ['a'] });
        assert.throws(() => registry.counter({ name: 'x_total', help: 'X', labelNames: ['b'] }), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'));
        assert.throws(() => registry.gauge({ name: 'x_total', help: 'X', labelNames: ['a'] }), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'));
      });
    });

    describe('when the name or a label name is invalid', () => {
      it('should refuse it', () => {
        const registry = new PrometheusRegistry();
        for (const name of ['1abc', 'a-b', 'a b', '']) {
          assert.throws(() => registry.counter({ name, help: 'X' }), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'), name);
        }
        for (const label of ['__reserved', 'le', 'a-b']) {
          assert.throws(() => registry.histogram({ name: 'h', help: 'X', labelNames: [label] }), (e) => BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'), label);
        }
      });
    });

    describe('when incremented with missing, extra labels or a negative value', () => {
      it('should throw and record nothing', async () => {
        const registry = new PrometheusRegistry();
        const counter = registry.counter({ name: 'y_total', help: 'Y', labelNames: ['a'] });
        assert.throws(() => counter.inc({}), TypeError);
        assert.throws(() => counter.inc({ a: 1, b: 2 }), TypeError);
        assert.throws(() => counter.inc({ a: 1 }, -1), RangeError);
        assert.equal(parsePrometheusText(await registry.metrics()).samples.length, 0);
      });
    });

    describe('when more label sets arrive than a metric keeps', () => {
      it('should keep the first MAX_SERIES_PER_METRIC series and drop the rest', async () => {
        const registry = new PrometheusRegistry();
        const counter = registry.counter({ name: 'many_total', help: 'Many', labelNames: ['id'] });
        for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) counter.inc({ id: i });
        counter.inc({ id: 0 });
        const parsed = parsePrometheusText(await registry.metrics());
        assert.equal(parsed.samples.length, MAX_SERIES_PER_METRIC);
        assert.equal(sampleValue(parsed, 'many_total', { id: '0' }), 2);
      });
    });
  });
});

describe(formatNumber.name, () => {
  describe('when given special values', () => {
    it('should write them as the text format does', () => {
      assert.deepEqual([Infinity, -Infinity, NaN, 1.5, 0].map(formatNumber), ['+Inf', '-Inf', 'NaN', '1.5', '0']);
    });
  });
});
