// The figures of a paired run (`npm run bench -- paired`): each ratio target taken per round,
// its median with a 95 % interval, the Markdown block and the files written.
import { mkdir, writeFile } from 'node:fs/promises';
import { median } from './load.js';
import { atLeast, atMost, writeDocsBlock, type TargetStatus } from './report.js';

/** Settings of a paired measurement. */
export interface PairedConfig {
  readonly sliceSeconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
}

/** What one slice of one lane measured. */
export interface SliceSample {
  readonly rps: number;
  /** Server + client CPU microseconds per call. */
  readonly cpuUsPerCall: number;
  readonly serverCpuUsPerCall: number;
  readonly clientCpuUsPerCall: number;
}

/** A target read off two lanes, one value per round. */
interface Comparison {
  readonly target: string;
  readonly value: (round: ReadonlyMap<string, SliceSample>) => number;
  readonly status: (target: string, value: number) => TargetStatus;
}

const rps = (round: ReadonlyMap<string, SliceSample>, lane: string) => round.get(lane)?.rps ?? Number.NaN;
const cpu = (round: ReadonlyMap<string, SliceSample>, lane: string) => round.get(lane)?.cpuUsPerCall ?? Number.NaN;

const COMPARISONS: readonly Comparison[] = [
  { target: 'Bastion full >= 0.8 x raw TLS req/s (100 B, 64 in flight)', value: (r) => rps(r, 'bastion') / rps(r, 'raw-tls'), status: (t, v) => atLeast(t, v, 0.8) },
  { target: 'validation costs <= 5 % of req/s', value: (r) => 1 - rps(r, 'bastion') / rps(r, 'bastion-no-validation'), status: (t, v) => atMost(t, v, 0.05, '%') },
  { target: 'rate limiting costs <= 5 % of req/s', value: (r) => 1 - rps(r, 'bastion') / rps(r, 'bastion-no-ratelimit'), status: (t, v) => atMost(t, v, 0.05, '%') },
  { target: 'a call refused by validation (400) is at least as cheap as an accepted one', value: (r) => rps(r, 'bastion (400)') / rps(r, 'bastion'), status: (t, v) => atLeast(t, v, 1) },
  { target: 'a call refused by the rate limit (429) is at least as cheap as an accepted one', value: (r) => rps(r, 'bastion (429)') / rps(r, 'bastion'), status: (t, v) => atLeast(t, v, 1) },
  { target: '(CPU view) Bastion server + client CPU per call <= 1.25 x raw TLS', value: (r) => cpu(r, 'bastion') / cpu(r, 'raw-tls'), status: (t, v) => atMost(t, v, 1.25) },
  { target: '(CPU view) validation costs <= 5 % of server + client CPU per call', value: (r) => 1 - cpu(r, 'bastion-no-validation') / cpu(r, 'bastion'), status: (t, v) => atMost(t, v, 0.05, '%') },
  { target: '(CPU view) rate limiting costs <= 5 % of server + client CPU per call', value: (r) => 1 - cpu(r, 'bastion-no-ratelimit') / cpu(r, 'bastion'), status: (t, v) => atMost(t, v, 0.05, '%') },
  { target: '(CPU view) a call refused by validation (400) costs <= the CPU of an accepted one', value: (r) => cpu(r, 'bastion (400)') / cpu(r, 'bastion'), status: (t, v) => atMost(t, v, 1) },
  { target: '(CPU view) a call refused by the rate limit (429) costs <= the CPU of an accepted one', value: (r) => cpu(r, 'bastion (429)') / cpu(r, 'bastion'), status: (t, v) => atMost(t, v, 1) },
];

/** Per target: the median over the rounds, and the interval that holds the true median with about 95 % confidence. */
export interface PairedFigure {
  readonly target: string;
  readonly median: number;
  readonly low: number;
  readonly high: number;
  readonly status: TargetStatus;
}

/**
 * The order statistics that hold the true median with at least 95 % confidence, from the
 * binomial distribution (each round falls below the median with probability 1/2): the k-th
 * lowest and k-th highest round for the largest k whose tails hold at most 2.5 % each.
 * Below 6 rounds no pair of rounds reaches 95 %, and the interval is unknown (NaN).
 */
export function medianInterval(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // P(X <= j) for X ~ Binomial(n, 1/2), summed until the lower tail passes 2.5 %.
  let k = 0;
  let tail = 0;
  let term = 0.5 ** n;
  for (let j = 0; j < n; j++) {
    tail += term;
    if (tail > 0.025) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  if (k === 0) return [Number.NaN, Number.NaN];
  return [sorted[k - 1] as number, sorted[n - k] as number];
}

export interface PairedSummary {
  readonly date: string;
  /** The lanes in the order they ran (older saved runs lack it: the keys of a round then). */
  readonly lanes?: readonly string[];
  readonly machine: string;
  readonly bastion: string;
  readonly config: PairedConfig & { readonly inFlight: number };
  readonly figures: readonly PairedFigure[];
  /** Every slice: lane name -> sample, one map per round. */
  readonly rounds: readonly Readonly<Record<string, SliceSample>>[];
}

export function summarisePaired(rounds: readonly ReadonlyMap<string, SliceSample>[]): PairedFigure[] {
  return COMPARISONS.map((c) => {
    const values = rounds.map(c.value).filter(Number.isFinite);
    const m = median(values);
    const [low, high] = medianInterval(values);
    return { target: c.target, median: m, low, high, status: c.status(c.target, m) };
  });
}


export function pairedMarkdown(s: PairedSummary): string {
  const shown = (f: PairedFigure, v: number) => (!Number.isFinite(v) ? '-' : f.status.actual.endsWith('%') ? `${(v * 100).toFixed(1)} %` : `${v.toFixed(2)}x`);
  const lines = [
    `Paired run of ${s.date.slice(0, 16).replace('T', ' ')} UTC on ${s.machine}; Bastion ${s.bastion}. ${s.config.rounds} rounds of ${s.config.sliceSeconds} s slices per lane ` +
      `(${(s.lanes ?? Object.keys(s.rounds[0] ?? {})).join(', ')}; the refused calls on a Bastion server of their own), ${s.config.inFlight} calls in flight, 100 B, ` +
      `after ${s.config.warmupSeconds} s of warm-up per lane; every process up throughout, the lanes taking turns forward and backward.`,
    '',
    '| target (from issue 8) | median of the rounds | 95 % interval of the median | status of the median |',
    '| --- | ---: | ---: | --- |',
    ...s.figures.map((f) => `| ${f.target} | ${shown(f, f.median)} | ${Number.isFinite(f.low) ? `${shown(f, f.low)} to ${shown(f, f.high)}` : 'too few rounds'} | ${f.status.status} |`),
  ];
  return lines.join('\n');
}

/** Writes bench/results/paired.json and, unless `writeDocs` is off, the docs' paired block; returns the Markdown. */
export async function writePaired(summary: PairedSummary, writeDocs: boolean): Promise<string> {
  const results = new URL('../results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL('paired.json', results), `${JSON.stringify(summary, null, 2)}\n`);
  const text = pairedMarkdown(summary);
  if (writeDocs) await writeDocsBlock('paired', text);
  return text;
}
