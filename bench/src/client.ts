// Child process: connects to one contender's server, runs every phase, reports, exits.
import type { BenchConfig } from './config.js';
import { loadContender } from './contenders/index.js';
import { latency, throughput, type Latency, type Throughput } from './load.js';
import { readBenchPki } from './pki-file.js';
import type { BenchClient, RejectKind } from './contender.js';
import { PAYLOADS, checkReply, echoRequest, type EchoRequest } from './workload.js';

/** A throughput phase with its CLOCK_MONOTONIC window (µs) and this client's CPU time in it. */
export interface Timed extends Throughput {
  readonly windowUs: readonly [number, number];
  readonly clientCpuUs: number;
}

async function timed(call: () => Promise<unknown>, inFlight: number, seconds: number): Promise<Timed> {
  const from = Number(process.hrtime.bigint() / 1000n);
  const cpu = process.cpuUsage();
  const result = await throughput(call, inFlight, seconds);
  const used = process.cpuUsage(cpu);
  return { ...result, windowUs: [from, Number(process.hrtime.bigint() / 1000n)], clientCpuUs: used.user + used.system };
}

/** What one client run measured. */
export interface ClientResult {
  readonly small: Throughput;
  readonly kib: Throughput;
  readonly big: Throughput;
  readonly latency: Latency;
  readonly rejected400?: Timed;
  readonly rejected429?: Timed;
  /** CLOCK_MONOTONIC microseconds (as in a .cpuprofile) around the 100 B throughput phase. */
  readonly windowUs: readonly [number, number];
  /** CPU time this client process spent in that phase. */
  readonly clientCpuUs: number;
}

/** What the runner sends a client process. */
export interface ClientJob {
  readonly contender: string;
  readonly port: number;
  readonly pkiDir: string;
  readonly config: BenchConfig;
  /** Also measure refused calls (400, 429); only the full Bastion stack offers them. */
  readonly rejections: boolean;
  /** Only the 100 B throughput phase (for profiling). */
  readonly smallOnly?: boolean;
}

/** What a client process answers. */
export type FromClient = { readonly type: 'result'; readonly result: ClientResult } | { readonly type: 'error'; readonly message: string };

/** The calls a slice makes: accepted echoes, or calls refused by validation (400) or the rate limit (429). */
export type SliceKind = 'echo' | RejectKind;

/** A client that runs slices on demand (`npm run bench -- paired`) instead of its phases. */
export interface SlicesJob {
  readonly mode: 'slices';
  readonly contender: string;
  readonly port: number;
  readonly pkiDir: string;
  readonly inFlight: number;
}

/** What the runner sends a client in slices mode, after the job. */
export type ToSlicesClient = { readonly type: 'slice'; readonly kind: SliceKind; readonly seconds: number } | { readonly type: 'stop' };

/** What a client in slices mode answers: `ready` once connected, then one `slice` per slice run. */
export type FromSlicesClient =
  | { readonly type: 'ready' }
  | { readonly type: 'slice'; readonly calls: number; readonly seconds: number; readonly clientCpuUs: number }
  | { readonly type: 'error'; readonly message: string };

async function run(job: ClientJob): Promise<ClientResult> {
  const { config } = job;
  const contender = await loadContender(job.contender);
  const client = await contender.connect(await readBenchPki(job.pkiDir), job.port);
  try {
    const caller = (request: EchoRequest) => async () => checkReply(request, await client.call(request));
    const small = caller(echoRequest(PAYLOADS[config.payload]));
    await throughput(small, config.inFlight, config.warmupSeconds);
    const smallResult = await timed(small, config.inFlight, config.seconds);
    const { windowUs, clientCpuUs } = smallResult;
    if (job.smallOnly === true) {
      const none = { calls: 0, p50Ms: Number.NaN, p99Ms: Number.NaN };
      return { small: smallResult, kib: smallResult, big: smallResult, latency: none, windowUs, clientCpuUs };
    }
    const result: ClientResult = {
      small: smallResult,
      windowUs,
      clientCpuUs,
      kib: await throughput(caller(echoRequest(PAYLOADS.kib)), config.inFlight, config.seconds),
      big: await throughput(caller(echoRequest(PAYLOADS.big)), config.inFlight, config.seconds),
      latency: await latency(small, config.latencySeconds),
    };
    const reject = client.reject;
    if (!job.rejections || reject === undefined) return result;
    const request = echoRequest(PAYLOADS.small);
    return {
      ...result,
      rejected400: await timed(() => reject('validation', request), config.inFlight, config.seconds),
      rejected429: await timed(() => reject('ratelimit', request), config.inFlight, config.seconds),
    };
  } finally {
    await client.close();
  }
}

/** Connects, says `ready`, then runs each slice the runner asks for until told to stop. */
async function serveSlices(job: SlicesJob): Promise<void> {
  const contender = await loadContender(job.contender);
  const client = await contender.connect(await readBenchPki(job.pkiDir), job.port);
  const request = echoRequest(PAYLOADS.small);
  const calls: Record<SliceKind, () => Promise<unknown>> = {
    echo: async () => checkReply(request, await client.call(request)),
    validation: () => refuse(client.reject, 'validation', request),
    ratelimit: () => refuse(client.reject, 'ratelimit', request),
  };
  process.on('message', (message: ToSlicesClient) => {
    if (message.type === 'stop') {
      void client.close().finally(() => process.exit(0));
      return;
    }
    timed(calls[message.kind], job.inFlight, message.seconds).then(
      (slice) => process.send?.({ type: 'slice', calls: slice.calls, seconds: slice.seconds, clientCpuUs: slice.clientCpuUs } satisfies FromSlicesClient),
      (error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies FromSlicesClient),
    );
  });
  process.send?.({ type: 'ready' } satisfies FromSlicesClient);
}

function refuse(reject: BenchClient['reject'], kind: RejectKind, request: EchoRequest): Promise<unknown> {
  if (reject === undefined) return Promise.reject(new Error(`this contender has no endpoint that refuses with ${kind}`));
  return reject(kind, request);
}

// An orphan (the runner died) stops at once instead of loading a server nobody reads.
process.on('disconnect', () => process.exit(0));
process.once('message', (job: ClientJob | SlicesJob) => {
  if ('mode' in job) {
    serveSlices(job).catch((error: unknown) =>
      process.send?.({ type: 'error', message: error instanceof Error ? error.message : String(error) } satisfies FromSlicesClient, () => process.exit(1)),
    );
    return;
  }
  run(job).then(
    (result) => process.send?.({ type: 'result', result } satisfies FromClient, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromClient, () =>
        process.exit(1),
      ),
  );
});
