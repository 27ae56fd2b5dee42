// Run settings, from the environment so a quick smoke run is one line:
// BENCH_SECONDS=1 BENCH_RUNS=1 npm run bench
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAYLOADS, type PayloadName } from './workload.js';

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 600) throw new RangeError(`${name} must be a number of seconds in (0, 600]`);
  return value;
}

function count(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new RangeError(`${name} must be an integer in 1..${max}`);
  return value;
}

/** Every knob of one benchmark run. */
export interface BenchConfig {
  /** Measured time of each throughput phase. */
  readonly seconds: number;
  /** Unmeasured load before the first phase of each client. */
  readonly warmupSeconds: number;
  /** Measured time of the 1-in-flight latency phase. */
  readonly latencySeconds: number;
  readonly runs: number;
  /** Calls in flight in the throughput phases. */
  readonly inFlight: number;
  /** Contenders to run (all when empty). */
  readonly only: readonly string[];
  /** Write docs/benchmarks.md (off for smoke runs that should not touch the docs). */
  readonly writeDocs: boolean;
  readonly pkiDir: string;
  /**
   * Payload of the first phase, the one whose CPU per call is reported and profiled
   * (`BENCH_PAYLOAD=big` to study the 64 KiB path alone; its req/s then fill the 100 B column).
   */
  readonly payload: PayloadName;
}

function payload(): PayloadName {
  const raw = process.env['BENCH_PAYLOAD'];
  if (raw === undefined || raw === '') return 'small';
  if (!Object.hasOwn(PAYLOADS, raw)) throw new RangeError(`BENCH_PAYLOAD must be one of ${Object.keys(PAYLOADS).join(', ')}`);
  return raw as PayloadName;
}

/** Reads the run settings from the environment. */
export function readConfig(): BenchConfig {
  return {
    seconds: seconds('BENCH_SECONDS', 5),
    warmupSeconds: seconds('BENCH_WARMUP_SECONDS', 1),
    latencySeconds: seconds('BENCH_LATENCY_SECONDS', 3),
    runs: count('BENCH_RUNS', 3, 20),
    inFlight: count('BENCH_IN_FLIGHT', 64, 1024),
    only: (process.env['BENCH_ONLY'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    writeDocs: process.env['BENCH_WRITE_DOCS'] !== '0',
    pkiDir: process.env['BENCH_PKI_DIR'] ?? join(tmpdir(), `bastion-bench-pki-${process.pid}`),
    payload: payload(),
  };
}
