// Bounded load: a fixed number of calls in flight for a fixed time, never more.
import { performance } from 'node:perf_hooks';

/** What one throughput phase measured. */
export interface Throughput {
  readonly calls: number;
  readonly seconds: number;
  readonly rps: number;
}

/** What one latency phase measured, in milliseconds. */
export interface Latency {
  readonly calls: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const MAX_SAMPLES = 2_000_000;
// A phase that outlives its time by this much is hung, not slow.
const GRACE_MS = 30_000;

async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps `inFlight` calls running for `seconds`; the first failed call fails the phase. */
export async function throughput(call: () => Promise<unknown>, inFlight: number, seconds: number): Promise<Throughput> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let calls = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && performance.now() < end) {
      try {
        await call();
        calls++;
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await bounded(Promise.all(Array.from({ length: inFlight }, worker)), seconds * 1000 + GRACE_MS, 'throughput phase');
  if (failure !== undefined) throw failure;
  const elapsed = (performance.now() - start) / 1000;
  return { calls, seconds: elapsed, rps: calls / elapsed };
}

/** One call at a time for `seconds`; returns the median and 99th percentile. */
export async function latency(call: () => Promise<unknown>, seconds: number): Promise<Latency> {
  const samples = new Float64Array(MAX_SAMPLES);
  let calls = 0;
  const run = async (): Promise<void> => {
    const end = performance.now() + seconds * 1000;
    while (calls < MAX_SAMPLES && performance.now() < end) {
      const t0 = performance.now();
      await call();
      samples[calls++] = performance.now() - t0;
    }
  };
  await bounded(run(), seconds * 1000 + GRACE_MS, 'latency phase');
  const sorted = samples.subarray(0, calls).sort();
  return { calls, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

/** The nearest-rank percentile of sorted samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

/** The median of a few numbers (the runs of one measurement). */
export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
