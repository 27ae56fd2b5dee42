import { BastionError } from '../errors/bastion-error.js';
import {
  DEFAULT_LATENCY_BUCKETS,
  MAX_SERIES_PER_METRIC,
  PROMETHEUS_CONTENT_TYPE,
  type Counter,
  type Gauge,
  type Histogram,
  type HistogramDefinition,
  type Labels,
  type MetricDefinition,
  type MetricsRegistry,
} from './metrics.js';

type Kind = 'counter' | 'gauge' | 'histogram';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One series of a metric: its rendered label set and value (or histogram state). */
interface Series {
  readonly labels: string;
  value: number;
  readonly counts?: number[];
  sum?: number;
}

/** A declared metric and its series, keyed by the rendered label set. */
class Family {
  readonly series = new Map<string, Series>();
  dropped = 0;

  constructor(
    readonly kind: Kind,
    readonly definition: HistogramDefinition,
    readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  /** The series for `labels`, created on first use; `undefined` past the series cap. */
  at(labels: Labels = {}): Series | undefined {
    // Looked up by the raw values on every call; names are checked and values escaped once per series.
    if (Object.keys(labels).length !== this.labelNames.length) this.render(labels);
    const key = this.labelNames.length === 1 ? String(labels[this.labelNames[0] as string]) : this.labelNames.map((name) => labels[name]).join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      const rendered = this.render(labels);
      if (this.series.size >= MAX_SERIES_PER_METRIC) {
        this.dropped++;
        return undefined;
      }
      series = this.kind === 'histogram' ? { labels: rendered, value: 0, counts: this.buckets.map(() => 0), sum: 0 } : { labels: rendered, value: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  private render(labels: Labels): string {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((name) => !this.labelNames.includes(name))) {
      throw new TypeError(`${this.definition.name} takes the labels [${this.labelNames.join(', ')}], not [${given.join(', ')}]`);
    }
    return this.labelNames.map((name) => `${name}="${escapeLabelValue(String(labels[name]))}"`).join(',');
  }
}

/**
 * PrometheusRegistry keeps metrics in this process and renders them in the Prometheus text
 * exposition format; serve it with `serveMetrics()` or from the app's own HTTP server.
 */
export class PrometheusRegistry implements MetricsRegistry {
  readonly name = 'prometheus';
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly families = new Map<string, Family>();

  counter(definition: MetricDefinition): Counter {
    const family = this.declare('counter', definition);
    return {
      inc: (labels, value = 1) => {
        if (!(value >= 0)) throw new RangeError(`${definition.name}: a counter only goes up`);
        const series = family.at(labels);
        if (series !== undefined) series.value += value;
      },
    };
  }

  gauge(definition: MetricDefinition): Gauge {
    const family = this.declare('gauge', definition);
    const add = (labels: Labels | undefined, value: number) => {
      const series = family.at(labels);
      if (series !== undefined) series.value += value;
    };
    return {
      inc: (labels, value = 1) => add(labels, value),
      dec: (labels, value = 1) => add(labels, -value),
      set: (labels, value) => {
        const series = family.at(labels);
        if (series !== undefined) series.value = value;
      },
    };
  }

  histogram(definition: HistogramDefinition): Histogram {
    const family = this.declare('histogram', definition);
    return {
      observe: (labels, value) => {
        if (Number.isNaN(value)) return;
        const series = family.at(labels);
        if (series === undefined) return;
        const counts = series.counts as number[];
        for (let i = 0; i < counts.length; i++) if (value <= (family.buckets[i] as number)) counts[i]++;
        series.value++;
        series.sum = (series.sum ?? 0) + value;
      },
    };
  }

  async metrics(): Promise<string> {
    const lines: string[] = [];
    for (const family of this.families.values()) {
      const { name, help } = family.definition;
      lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${family.kind}`);
      for (const series of family.series.values()) lines.push(...renderSeries(family, series));
    }
    return lines.length === 0 ? '' : lines.join('\n') + '\n';
  }

  private declare(kind: Kind, definition: HistogramDefinition): Family {
    const labelNames = definition.labelNames ?? [];
    const existing = this.families.get(definition.name);
    if (existing !== undefined) {
      const same = existing.kind === kind && existing.labelNames.join(',') === labelNames.join(',');
      if (!same) throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `metric ${definition.name} is already declared with another type or labels`);
      return existing;
    }
    if (!METRIC_NAME.test(definition.name)) throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `invalid metric name '${definition.name}'`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
        throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `invalid label name '${label}' on ${definition.name}`);
      }
    }
    const buckets = kind === 'histogram' ? [...(definition.buckets ?? DEFAULT_LATENCY_BUCKETS)] : [];
    if (buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))) {
      throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `${definition.name}: buckets must be finite and increasing`);
    }
    const family = new Family(kind, definition, labelNames, buckets);
    this.families.set(definition.name, family);
    // A metric without labels has one series from the start, so a scrape reads 0 rather than nothing.
    if (labelNames.length === 0 && kind !== 'histogram') family.at({});
    return family;
  }
}

function renderSeries(family: Family, series: Series): string[] {
  const { name } = family.definition;
  const braces = (labels: string) => (labels === '' ? '' : `{${labels}}`);
  if (family.kind !== 'histogram') return [`${name}${braces(series.labels)} ${formatNumber(series.value)}`];
  const withLe = (le: string) => braces(series.labels === '' ? `le="${le}"` : `${series.labels},le="${le}"`);
  const lines = family.buckets.map((bound, i) => `${name}_bucket${withLe(formatNumber(bound))} ${(series.counts as number[])[i]}`);
  lines.push(`${name}_bucket${withLe('+Inf')} ${series.value}`);
  lines.push(`${name}_sum${braces(series.labels)} ${formatNumber(series.sum ?? 0)}`, `${name}_count${braces(series.labels)} ${series.value}`);
  return lines;
}

/** A sample value as the text format writes it. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
