// Shared by the issue 8 part 2 micro-benchmarks: CPU time per op (not wall time, the
// machine is shared) and the median-of-3 report line.
import { performance } from 'node:perf_hooks';

/** CPU µs per call of `op`; an op returning a promise is awaited, a sync one is not charged a microtask. */
export async function usPerOp(op, seconds = 1) {
  for (let i = 0; i < 2000; i++) await op();
  const isAsync = op() instanceof Promise;
  let ops = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    if (isAsync) for (let i = 0; i < 256; i++) await op();
    else for (let i = 0; i < 256; i++) op();
    ops += 256;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / ops;
}

/** Runs each case (or those whose name contains `only`) three times and prints the median. */
export async function report(cases, only) {
  for (const [name, op] of Object.entries(cases)) {
    if (only !== undefined && !name.includes(only)) continue;
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await usPerOp(op));
    runs.sort((a, b) => a - b);
    console.log(`${name.padEnd(48)} ${runs[1].toFixed(2).padStart(7)} µs CPU/op  (runs ${runs.map((r) => r.toFixed(2)).join(' / ')})`);
  }
}
