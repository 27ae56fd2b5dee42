// Child process: connects to one contender's server, runs every phase, reports, exits.
import type { BenchConfig } from './config.js';
import { loadContender } from './contenders/index.js';
import { latency, throughput, type Latency, type Throughput } from './load.js';
import { readBenchPki } from './pki-file.js';
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

// An orphan (the runner died) stops at once instead of loading a server nobody reads.
process.on('disconnect', () => process.exit(0));
process.once('message', (job: ClientJob) => {
  run(job).then(
    (result) => process.send?.({ type: 'result', result } satisfies FromClient, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromClient, () =>
        process.exit(1),
      ),
  );
});
