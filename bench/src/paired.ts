// `npm run bench -- paired`: the ratio targets of issue 8 measured in alternating slices.
// Every process stays up for the whole measurement, and the lanes take turns in short
// slices (one second by default), forward in one round and backward in the next, so each
// ratio compares slices taken seconds apart: a shared host that slows by half over a few
// minutes (as it did in the full runs) moves both sides of every ratio alike.
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { CLIENT, nextMessage, SERVER, START_TIMEOUT_MS, stopChild } from './child.js';
import type { FromSlicesClient, SliceKind, SlicesJob, ToSlicesClient } from './client.js';
import type { BenchConfig } from './config.js';
import { createBenchPki, removeBenchPki } from './pki.js';
import { summarisePaired, writePaired, type PairedConfig, type PairedSummary, type SliceSample } from './paired-report.js';
import { bastionVersion, machine } from './report.js';
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

/** The settings of a paired measurement, from the environment. */
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
  return writePaired(
    {
      date: new Date().toISOString(),
      machine: await machine(),
      bastion: await bastionVersion(),
      config: { ...paired, inFlight: config.inFlight },
      figures: summarisePaired(rounds),
      lanes: LANES.map(laneName),
      rounds: rounds.map((r) => Object.fromEntries(r)),
    },
    config.writeDocs,
  );
}

/** The figures of a saved run (`BENCH_PAIRED_FROM=bench/results/paired.json`) summarised again, e.g. after the summary changed. */
async function rewrite(file: string, config: BenchConfig): Promise<string> {
  const saved = JSON.parse(await readFile(file, 'utf8')) as PairedSummary;
  const rounds = saved.rounds.map((r) => new Map(Object.entries(r)));
  return writePaired({ ...saved, figures: summarisePaired(rounds) }, config.writeDocs);
}

