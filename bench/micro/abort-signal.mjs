// What one AbortController (+ its signal) per call costs on Node 20, next to a plain object:
// CPU per op (measure.mjs) and what the garbage collector does with it when calls run in
// batches of 64, as the server runs them: Node's createAbortSignal (an EventTarget whose
// prototype is then set) survives scavenges, so per-call signals are promoted to the old
// generation and need mark-compacts, where plain objects die young.
//
//   node bench/micro/abort-signal.mjs
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { report } from './measure.mjs';

const connection = new AbortController();

const cases = {
  'AbortController + signal': () => new AbortController().signal,
  'AbortController + signal + listener on the connection signal': () => {
    const controller = new AbortController();
    const onCancel = () => controller.abort();
    connection.signal.addEventListener('abort', onCancel, { once: true });
    connection.signal.removeEventListener('abort', onCancel);
    return controller.signal;
  },
  'plain object (aborted, reason, listeners)': () => ({ aborted: false, reason: undefined, listeners: undefined }),
};

await report(cases);

/** Collections during `seconds` of batches of 64 calls that each hold `make()` across an await. */
async function collections(make, seconds = 1) {
  const counts = { minor: 0, major: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor += 1;
      if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const call = async () => {
    const held = make();
    await null;
    return held;
  };
  let calls = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const batch = [];
    for (let i = 0; i < 64; i++) batch.push(call());
    await Promise.all(batch);
    await new Promise(setImmediate);
    calls += 64;
  }
  await new Promise(setImmediate);
  observer.disconnect();
  return `${calls} calls: ${counts.minor} scavenges, ${counts.major} mark-compacts (${((counts.major / calls) * 1e5).toFixed(1)} per 100k calls)`;
}

for (const [name, make] of Object.entries(cases)) console.log(`${name.padEnd(62)} ${await collections(make)}`);
