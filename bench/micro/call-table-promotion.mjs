// Why the transport keeps its calls in flight in a CallTable and not a Map (issue 8): a
// long-lived Map whose entries come and go links each outgrown hash table to the next. Once
// one of those tables has been moved to the old generation (calls were slow for a moment,
// here: entries held across a few young collections), the link keeps every later table and
// every value it held alive through young collections, so all of them are promoted, for
// good. This replays 64 calls in flight, a slow moment, then 2,000,000 fast calls, and
// reports the CPU per fast call and the mark-compacts (major GCs) they caused: promoted
// calls fill the old generation, which a mark-compact then empties. Whether the slow moment
// anchors a chain is up to where V8's collections fall, so it runs twice; an anchored Map
// shows as many major GCs and several times the CPU.
// Usage: node bench/micro/call-table-promotion.mjs
import { PerformanceObserver } from 'node:perf_hooks';

const dist = process.env.BENCH_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { CallTable } = await import(`${dist}/src/transport/call-table.js`);

const { NODE_PERFORMANCE_GC_MAJOR } = (await import('node:perf_hooks')).constants;
let majorGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (entry.detail?.kind === NODE_PERFORMANCE_GC_MAJOR) majorGcs += 1;
}).observe({ entryTypes: ['gc'] });

// A call's objects: what a pending call holds (closures, a promise, a small context).
const callObjects = (id) => {
  const context = { id, started: performance.now(), body: new Uint8Array(64) };
  return { context, resolve: () => context, reject: () => context, done: Promise.resolve(context) };
};

async function run(round, name, table) {
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
  const cpu = process.cpuUsage();
  const calls = 2_000_000;
  for (let i = 0; i < calls; i++) {
    table.set(++id, callObjects(id));
    if (i >= 64) table.delete(id - 64);
  }
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const note = name === 'CallTable' ? 'its arrays link to nothing' : majorGcs === 0 ? 'no chain anchored this time' : 'a chain anchored: fast calls promoted';
  console.log(`round ${round + 1}, ${name.padEnd(9)}: ${(((used.user + used.system) * 1000) / calls).toFixed(0).padStart(5)} ns CPU per call, ${String(majorGcs).padStart(3)} major GCs (${note})`);
}

// Each in its own table, the Map first and then the CallTable, twice.
for (let round = 0; round < 2; round++) {
  await run(round, 'Map', new Map());
  await run(round, 'CallTable', new CallTable());
}
