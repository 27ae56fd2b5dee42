// Micro-benchmark of the TLS listener's per-call bookkeeping around a handler (issue 8,
// part 2), as copies of the pattern: before, each call's promise went into a set and
// removed itself with `finally`, and every call awaited `Promise.allSettled` of the work
// it holds the call id for (usually none); after, a counter (already kept for
// `maxInFlight`) and the wait only when something is held. Run: `node bench/micro/listener-call.mjs`.
import { report } from './measure.mjs';

const handler = async () => 'reply';
const inFlight = new Set();
let running = 0;

async function invokeBefore() {
  const held = [];
  try {
    await handler();
    await Promise.allSettled(held);
  } finally {
    running -= 1;
  }
}

async function invokeAfter() {
  const held = [];
  try {
    await handler();
    if (held.length > 0) await Promise.allSettled(held);
  } finally {
    running -= 1;
  }
}

const cases = {
  'listener call: before (set + finally + allSettled)': () => {
    running += 1;
    const call = invokeBefore();
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
    return call;
  },
  'listener call: after (counter)': () => {
    running += 1;
    return invokeAfter();
  },
};
await report(cases, process.argv[2]);
