import type { Counter, Gauge, Histogram, HistogramDefinition, Labels, MetricDefinition, MetricsRegistry } from './metrics.js';

/** What a prom-client metric constructor is given. */
interface PromClientConfiguration<R> {
  name: string;
  help: string;
  labelNames: string[];
  registers: R[];
  buckets?: number[];
}

/** The part of a prom-client `Registry` Bastion calls. */
export interface PromClientRegisterLike {
  readonly contentType: string;
  metrics(): Promise<string>;
  getSingleMetric(name: string): unknown;
}

/** The part of the `prom-client` module Bastion calls (`import * as client from 'prom-client'`). */
export interface PromClientLike<R extends PromClientRegisterLike = PromClientRegisterLike> {
  readonly register: R;
  readonly Counter: new (configuration: PromClientConfiguration<R>) => { inc(labels: Labels, value?: number): void };
  readonly Gauge: new (configuration: PromClientConfiguration<R>) => { inc(labels: Labels, value?: number): void; dec(labels: Labels, value?: number): void; set(labels: Labels, value: number): void };
  readonly Histogram: new (configuration: PromClientConfiguration<R>) => { observe(labels: Labels, value: number): void };
}

/**
 * Adapts prom-client to Bastion's MetricsRegistry, so Bastion's metrics live in the app's
 * prom-client registry (the global one unless given) next to its own. Bastion does not
 * depend on the package; the app passes the module it already has.
 *
 * @example
 * ```ts
 * import * as client from 'prom-client';
 * Bastion.create({ tls, observability: { metrics: { registry: promClientRegistry(client) } } });
 * ```
 */
export function promClientRegistry<R extends PromClientRegisterLike>(client: PromClientLike<R>, register: R = client.register): MetricsRegistry {
  // prom-client refuses a second metric of the same name; a second declaration gets the first.
  const declare = <T>(definition: HistogramDefinition, make: (configuration: PromClientConfiguration<R>) => T): T =>
    (register.getSingleMetric(definition.name) as T | undefined) ??
    make({ name: definition.name, help: definition.help, labelNames: [...(definition.labelNames ?? [])], registers: [register], ...(definition.buckets === undefined ? {} : { buckets: [...definition.buckets] }) });
  return {
    name: 'prom-client',
    get contentType() {
      return register.contentType;
    },
    counter: (definition: MetricDefinition): Counter => {
      const counter = declare(definition, (c) => new client.Counter(c));
      return { inc: (labels = {}, value) => counter.inc(labels, value) };
    },
    gauge: (definition: MetricDefinition): Gauge => {
      const gauge = declare(definition, (c) => new client.Gauge(c));
      return { inc: (labels = {}, value) => gauge.inc(labels, value), dec: (labels = {}, value) => gauge.dec(labels, value), set: (labels, value) => gauge.set(labels, value) };
    },
    histogram: (definition: HistogramDefinition): Histogram => declare(definition, (c) => new client.Histogram(c)),
    metrics: () => register.metrics(),
  };
}
