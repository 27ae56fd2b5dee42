// Why the transport keeps its calls in flight in a CallTable and not a Map (issue 8): a
// long-lived Map whose entries come and go links each outgrown hash table to the next. Once
// one of those tables has been moved to the old generation (calls were slow for a moment,
// here: entries held across a few young collections), the link keeps every later table and
// every value it held alive through young collections, so all of them are promoted, for
// good. This replays 64 calls in flight, a slow moment, then fast calls, and reports how
// many bytes the fast calls got promoted and the CPU they took.
// Usage: node bench/micro/call-table-promotion.mjs
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const dist = process.env.BENCH_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { CallTable } = await import(`${dist}/src/transport/call-table.js`);

const { NODE_PERFORMANCE_GC_MAJOR } = (await import('node:perf_hooks')).constants;
let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === NODE_PERFORMANCE_GC_MAJOR) majorGcs += 1;
}).observe({ entryTypes: ['gc'] });

const oldSpaceUsed = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
// A call's objects: what a pending call holds (closures, a promise, a small context).
const callObjects = (id) => {
  const context = { id, started: performance.now(), body: new Uint8Array(64) };
  return { context, resolve: () => context, reject: () => context, done: Promise.resolve(context) };
};

async function run(name, table) {
  let id = 0;
  // The slow moment: calls stay in flight while the young generation is collected.
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 64; i++) table.set(++id, callObjects(id));
    let filler = [];
    for (let i = 0; i < 20_000; i++) filler.push({ i });
    filler = undefined;
    for (let i = id - 63; i <= id; i++) table.delete(i);
  }
  // Then fast calls: 64 in flight, each answered at once.
  await new Promise((resolve) => setTimeout(resolve, 10));
  majorGcs = 0;
  const before = oldSpaceUsed();
  const cpu = process.cpuUsage();
  const calls = 2_000_000;
  for (let i = 0; i < calls; i++) {
    table.set(++id, callObjects(id));
    if (i >= 64) table.delete(id - 64);
  }
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setTimeout(resolve, 10));
  console.log(`${name}: ${(((used.user + used.system) * 1000) / calls).toFixed(0)} ns CPU per call; old space grew ${((oldSpaceUsed() - before) / 2 ** 20).toFixed(1)} MiB; ${majorGcs} major GCs`);
}

// Each in its own table, the Map first and then the CallTable, twice.
for (let round = 0; round < 2; round++) {
  await run('Map', new Map());
  await run('CallTable', new CallTable());
}
