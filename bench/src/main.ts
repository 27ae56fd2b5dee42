// `npm run bench`: every contender, in separate server and client processes on 127.0.0.1,
// interleaved run by run so noise spreads evenly; the median of the runs is reported.
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT, nextMessage, SERVER, START_TIMEOUT_MS, stopChild } from './child.js';
import type { ClientJob, FromClient } from './client.js';
import { readConfig, type BenchConfig } from './config.js';
import { CONTENDERS } from './contenders/index.js';
import { runMicro } from './micro.js';
import { createBenchPki, removeBenchPki } from './pki.js';
import { runPaired } from './paired.js';
import { profileContenders } from './profile.js';
import { summariseRuns, writeReport, type RunSample } from './report.js';
import type { FromServer, ToServer } from './server.js';

const SAMPLES = fileURLToPath(new URL('../results/samples.tmp', import.meta.url));

/** Node flags for the child processes, e.g. `--cpu-prof` when profiling. */
export interface ChildFlags {
  readonly server: readonly string[];
  readonly client: readonly string[];
  /** Only the 100 B throughput phase. */
  readonly smallOnly?: boolean;
}

/** Serves one contender, drives it from a second process, and returns what was measured. */
export async function measure(contender: string, config: BenchConfig, flags: ChildFlags = { server: [], client: [] }): Promise<RunSample> {
  const server = fork(SERVER, [contender, config.pkiDir], { execArgv: [...flags.server], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage<FromServer>(server, `${contender} server`, START_TIMEOUT_MS);
    if (ready.type !== 'ready') throw new Error(`${contender} server: unexpected message`);
    const client = fork(CLIENT, [], { execArgv: [...flags.client], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const rejections = contender === 'bastion' && flags.smallOnly !== true;
    const phases = 3 + (rejections ? 2 : 0);
    const budgetMs = START_TIMEOUT_MS + (config.warmupSeconds + config.latencySeconds + phases * config.seconds) * 1000 + 60_000;
    client.send({ contender, port: ready.port, pkiDir: config.pkiDir, config, rejections, smallOnly: flags.smallOnly === true } satisfies ClientJob);
    let answer: FromClient;
    try {
      answer = await nextMessage<FromClient>(client, `${contender} client`, budgetMs);
    } finally {
      if (client.exitCode === null) await new Promise((resolve) => client.once('exit', resolve));
    }
    if (answer.type === 'error') throw new Error(`${contender} client failed: ${answer.message}`);
    const result = answer.result;
    const windows = [result.windowUs, result.rejected400?.windowUs, result.rejected429?.windowUs];
    server.send({ type: 'rss', windowsUs: windows.filter((w) => w !== undefined) } satisfies ToServer);
    const rss = await nextMessage<FromServer>(server, `${contender} server`, 10_000, (m) => m.type === 'rss');
    const cpu = rss.type === 'rss' ? rss.cpuUs.map((us) => us ?? Number.NaN) : [];
    return {
      contender,
      client: result,
      rssMb: rss.type === 'rss' ? rss.rssMb : Number.NaN,
      serverCpuUs: cpu[0] ?? Number.NaN,
      serverCpuUs400: cpu[1] ?? Number.NaN,
      serverCpuUs429: cpu[2] ?? Number.NaN,
    };
  } finally {
    await stopChild(server);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (process.argv[2] === 'paired') {
    console.log(await runPaired(config));
    return;
  }
  if (process.argv[2] === 'profile') {
    await createBenchPki(config.pkiDir);
    try {
      console.log(await profileContenders(config, (contender, c, flags) => measure(contender, c, { ...flags, smallOnly: true })));
    } finally {
      await removeBenchPki(config.pkiDir);
    }
    return;
  }
  const contenders = config.only.length === 0 ? CONTENDERS : CONTENDERS.filter((c) => config.only.includes(c));
  await createBenchPki(config.pkiDir);
  await mkdir(dirname(SAMPLES), { recursive: true });
  const samples: RunSample[] = [];
  const failures: string[] = [];
  try {
    for (let run = 1; run <= config.runs; run++) {
      for (const contender of contenders) {
        process.stderr.write(`run ${run}/${config.runs}: ${contender} ... `);
        try {
          // One retry: a colleague's rebuild of dist/ or a port race should not cost a whole run.
          const sample = await measure(contender, config).catch(async (error: unknown) => {
            process.stderr.write(`retrying (${error instanceof Error ? error.message.split('\n')[0] : String(error)}) ... `);
            return measure(contender, config);
          });
          samples.push(sample);
          // Kept as it comes, so a crash later in the run loses nothing measured.
          await writeFile(SAMPLES, JSON.stringify(samples));
          process.stderr.write(`${Math.round(sample.client.small.rps)} req/s, p99 ${sample.client.latency.p99Ms.toFixed(3)} ms\n`);
        } catch (error) {
          failures.push(`${contender} (run ${run}): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
          process.stderr.write('FAILED\n');
        }
      }
    }
  } finally {
    await removeBenchPki(config.pkiDir);
  }
  process.stderr.write('micro-benchmark: decode + validate ...\n');
  const micro = await runMicro(Math.min(config.seconds, 2));
  const summary = await summariseRuns(samples, micro, failures, config);
  console.log(await writeReport(summary, config));
  if (failures.length > 0) {
    console.error(`\n${failures.length} measurement(s) failed:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
