// `npm run bench -- paired`: the ratio targets of issue 8 measured in alternating slices.
// Every process stays up for the whole measurement, and the lanes take turns in short
// slices (one second by default), forward in one round and backward in the next, so each
// ratio compares slices taken seconds apart: a shared host that slows by half over a few
// minutes (as it did in the full runs) moves both sides of every ratio alike.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { CLIENT, nextMessage, SERVER, START_TIMEOUT_MS, stopChild } from './child.js';
import type { FromSlicesClient, SliceKind, SlicesJob, ToSlicesClient } from './client.js';
import type { BenchConfig } from './config.js';
import { median } from './load.js';
import { createBenchPki, removeBenchPki } from './pki.js';
import { atLeast, atMost, commit, machine, type TargetStatus } from './report.js';
import type { FromServer, ToServer } from './server.js';

/**
 * One stream of calls: a contender's client making calls of one kind, against the server
 * process `pair` names. Refusals go to a Bastion server of their own, so the one whose
 * accepted calls are compared with the variants' serves what they serve and nothing else.
 */
interface Lane {
  readonly contender: string;
  readonly kind: SliceKind;
  readonly pair: string;
}

const LANES: readonly Lane[] = [
  { contender: 'raw-tls', kind: 'echo', pair: 'raw-tls' },
  { contender: 'bastion', kind: 'echo', pair: 'bastion' },
  { contender: 'bastion-no-validation', kind: 'echo', pair: 'bastion-no-validation' },
  { contender: 'bastion-no-ratelimit', kind: 'echo', pair: 'bastion-no-ratelimit' },
  { contender: 'bastion', kind: 'validation', pair: 'bastion, refusing' },
  { contender: 'bastion', kind: 'ratelimit', pair: 'bastion, refusing' },
];

const laneName = (lane: Lane) => (lane.kind === 'echo' ? lane.contender : `${lane.contender} (${lane.kind === 'validation' ? '400' : '429'})`);

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

/** Settings of a paired measurement, from the environment. */
export interface PairedConfig {
  readonly sliceSeconds: number;
  readonly rounds: number;
  readonly warmupSeconds: number;
}

export function readPairedConfig(): PairedConfig {
  const read = (name: string, fallback: number, ok: (v: number) => boolean) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!ok(value)) throw new RangeError(`${name} is out of range`);
    return value;
  };
  return {
    sliceSeconds: read('BENCH_SLICE_SECONDS', 1, (v) => v > 0 && v <= 60),
    rounds: read('BENCH_ROUNDS', 16, (v) => Number.isInteger(v) && v >= 2 && v <= 200),
    // Long enough for V8 to have optimised the call path on both sides (a 3 s run still shows it warming).
    warmupSeconds: read('BENCH_SLICE_WARMUP_SECONDS', 4, (v) => v > 0 && v <= 60),
  };
}

/** One contender's server and client, kept up for the whole measurement. */
interface Pair {
  readonly server: ChildProcess;
  readonly client: ChildProcess;
}

async function startPair(contender: string, config: BenchConfig): Promise<Pair> {
  const server = fork(SERVER, [contender, config.pkiDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage<FromServer>(server, `${contender} server`, START_TIMEOUT_MS);
  if (ready.type !== 'ready') throw new Error(`${contender} server: unexpected message`);
  const client = fork(CLIENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  client.send({ mode: 'slices', contender, port: ready.port, pkiDir: config.pkiDir, inFlight: config.inFlight } satisfies SlicesJob);
  const answer = await nextMessage<FromSlicesClient>(client, `${contender} client`, START_TIMEOUT_MS);
  if (answer.type !== 'ready') throw new Error(`${contender} client: ${answer.type === 'error' ? answer.message : 'unexpected message'}`);
  return { server, client };
}

async function serverCpu(pair: Pair, contender: string): Promise<number> {
  pair.server.send({ type: 'cpu' } satisfies ToServer);
  const answer = await nextMessage<FromServer>(pair.server, `${contender} server`, 10_000, (m) => m.type === 'cpu');
  return answer.type === 'cpu' ? answer.cpuUs : Number.NaN;
}

async function slice(pair: Pair, lane: Lane, seconds: number): Promise<SliceSample> {
  const before = await serverCpu(pair, lane.contender);
  pair.client.send({ type: 'slice', kind: lane.kind, seconds } satisfies ToSlicesClient);
  const answer = await nextMessage<FromSlicesClient>(pair.client, `${laneName(lane)} client`, seconds * 1000 + 60_000, (m) => m.type !== 'ready');
  if (answer.type !== 'slice') throw new Error(`${laneName(lane)}: ${answer.type === 'error' ? answer.message : 'unexpected message'}`);
  const serverUs = (await serverCpu(pair, lane.contender)) - before;
  return {
    rps: answer.calls / answer.seconds,
    cpuUsPerCall: (serverUs + answer.clientCpuUs) / answer.calls,
    serverCpuUsPerCall: serverUs / answer.calls,
    clientCpuUsPerCall: answer.clientCpuUs / answer.calls,
  };
}

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

const DOCS = new URL('../../docs/benchmarks.md', import.meta.url);
const START = '<!-- bench:paired:start -->';
const END = '<!-- bench:paired:end -->';

export function pairedMarkdown(s: PairedSummary): string {
  const shown = (f: PairedFigure, v: number) => (!Number.isFinite(v) ? '-' : f.status.actual.endsWith('%') ? `${(v * 100).toFixed(1)} %` : `${v.toFixed(2)}x`);
  const lines = [
    `Paired run of ${s.date.slice(0, 16).replace('T', ' ')} UTC on ${s.machine}; Bastion ${s.bastion}. ${s.config.rounds} rounds of ${s.config.sliceSeconds} s slices per lane ` +
      `(${LANES.map(laneName).join(', ')}; the refused calls on a Bastion server of their own), ${s.config.inFlight} calls in flight, 100 B, ` +
      `after ${s.config.warmupSeconds} s of warm-up per lane; every process up throughout, the lanes taking turns forward and backward.`,
    '',
    '| target (from issue 8) | median of the rounds | 95 % interval of the median | status of the median |',
    '| --- | ---: | ---: | --- |',
    ...s.figures.map((f) => `| ${f.target} | ${shown(f, f.median)} | ${Number.isFinite(f.low) ? `${shown(f, f.low)} to ${shown(f, f.high)}` : 'too few rounds'} | ${f.status.status} |`),
  ];
  return lines.join('\n');
}

/** Runs every lane in alternating slices, prints the table, writes bench/results/paired.json and the docs' paired part. */
export async function runPaired(config: BenchConfig): Promise<string> {
  if (process.env['BENCH_PAIRED_FROM'] !== undefined) return rewrite(process.env['BENCH_PAIRED_FROM'], config);
  const paired = readPairedConfig();
  await createBenchPki(config.pkiDir);
  const pairs = new Map<string, Pair>();
  const rounds: Map<string, SliceSample>[] = [];
  try {
    for (const lane of LANES) if (!pairs.has(lane.pair)) pairs.set(lane.pair, await startPair(lane.contender, config));
    const pairOf = (lane: Lane) => pairs.get(lane.pair) as Pair;
    for (const lane of LANES) await slice(pairOf(lane), lane, paired.warmupSeconds);
    for (let r = 0; r < paired.rounds; r++) {
      const order = r % 2 === 0 ? LANES : [...LANES].reverse();
      const round = new Map<string, SliceSample>();
      for (const lane of order) round.set(laneName(lane), await slice(pairOf(lane), lane, paired.sliceSeconds));
      rounds.push(round);
      process.stderr.write(`round ${r + 1}/${paired.rounds}: ${[...round].map(([name, s]) => `${name} ${Math.round(s.rps)}`).join(', ')}\n`);
    }
  } finally {
    await Promise.all([...pairs.values()].flatMap((p) => [stopChild(p.client), stopChild(p.server)]));
    await removeBenchPki(config.pkiDir);
  }
  return write(
    {
      date: new Date().toISOString(),
      machine: await machine(),
      bastion: `${(JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version} (${commit()})`,
      config: { ...paired, inFlight: config.inFlight },
      figures: summarisePaired(rounds),
      rounds: rounds.map((r) => Object.fromEntries(r)),
    },
    config,
  );
}

/** The figures of a saved run (`BENCH_PAIRED_FROM=bench/results/paired.json`) summarised again, e.g. after the summary changed. */
async function rewrite(file: string, config: BenchConfig): Promise<string> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as PairedSummary;
  const rounds = saved.rounds.map((r) => new Map(Object.entries(r)));
  return write({ ...saved, figures: summarisePaired(rounds) }, config);
}

async function write(summary: PairedSummary, config: BenchConfig): Promise<string> {
  const results = new URL('../results/', import.meta.url);
  await mkdir(results, { recursive: true });
  await writeFile(new URL('paired.json', results), `${JSON.stringify(summary, null, 2)}\n`);
  const text = pairedMarkdown(summary);
  if (config.writeDocs) {
    let doc = await readFile(DOCS, 'utf8');
    if (!doc.includes(START) || !doc.includes(END)) doc = `${doc.trimEnd()}\n\n${START}\n${END}\n`;
    doc = `${doc.slice(0, doc.indexOf(START) + START.length)}\n${text}\n${doc.slice(doc.indexOf(END))}`;
    await writeFile(DOCS, doc);
  }
  return text;
}
