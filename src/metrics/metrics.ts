/**
 * Metrics are counters, gauges and histograms with labels, kept by a MetricsRegistry that
 * renders them in the Prometheus text exposition format. The shapes follow prom-client
 * (`inc(labels, value)`, `observe(labels, value)`, `metrics()`, `contentType`), so a
 * prom-client registry can stand behind the same interface (docs/observability.md).
 */

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string | number>>;

/** What every metric is declared with. */
export interface MetricDefinition {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  /** The label names every series of the metric carries, no more and no fewer. */
  readonly labelNames?: readonly string[];
}

/** A histogram's definition: its bucket upper bounds, in increasing order. */
export interface HistogramDefinition extends MetricDefinition {
  readonly buckets?: readonly number[];
}

/** A value that only goes up. */
export interface Counter {
  inc(labels?: Labels, value?: number): void;
}

/** A value that goes up and down. */
export interface Gauge {
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
  set(labels: Labels, value: number): void;
}

/** Observations counted into buckets, with their sum and count. */
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

/** MetricsRegistry declares metrics and renders every series they hold. */
export interface MetricsRegistry {
  readonly name: string;
  /** The `Content-Type` of what `metrics()` returns. */
  readonly contentType: string;
  /** Declares a counter, or returns the one already declared with the same definition. */
  counter(definition: MetricDefinition): Counter;
  gauge(definition: MetricDefinition): Gauge;
  histogram(definition: HistogramDefinition): Histogram;
  /** Every metric in the Prometheus text exposition format (version 0.0.4). */
  metrics(): Promise<string>;
}

/** Options of the opt-in metrics HTTP endpoint. */
export interface MetricsEndpointOptions {
  /** Loopback by default: exposing metrics beyond the host is a decision, not a default. */
  readonly host?: string;
  /** Port 0 (the default) picks a free port. */
  readonly port?: number;
  /** The path served; every other path is a `404`. */
  readonly path?: string;
}

/** What `observability.metrics` takes: `true` for the defaults. */
export interface MetricsOptions {
  /** Where metrics are kept; a fresh in-process PrometheusRegistry by default (or a prom-client adapter). */
  readonly registry?: MetricsRegistry;
  /** Latency histogram buckets, in seconds. */
  readonly buckets?: readonly number[];
  /** Serve the registry over HTTP on `app.start()`; off by default (`true` for loopback, a free port, `/metrics`). */
  readonly endpoint?: boolean | MetricsEndpointOptions;
}

/** The Prometheus text format's content type. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Latency buckets in seconds, from 1 ms to 10 s (prom-client's defaults start at 5 ms). */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Most series one metric keeps; beyond it new label sets are dropped (and counted), so a flood of names cannot grow memory. */
export const MAX_SERIES_PER_METRIC = 10_000;

// Errors raised (errors/catalogue.ts): BST_ERR_BOOT_INVALID_CONFIG for an invalid or conflicting definition.
