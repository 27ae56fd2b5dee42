// Step 4 of the hot-path work (not applied): is one JSON.stringify pass with a replacer that
// enforces sanitize's rules cheaper than the sanitising copy + JSON.stringify? CPU µs/op.
// Run after `npx tsc -p .`: `node bench/micro/encode-replacer.mjs`.
const { toPlainData } = await import(new URL('../../dist/src/codec/sanitize.js', import.meta.url).href);
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

// The candidate: forbidden keys, BigInt and a depth guard in the replacer; the rest is JSON.stringify's own.
function onePass(value) {
  const depths = new Map();
  return JSON.stringify(value, function (key, item) {
    if (FORBIDDEN.has(key)) return undefined;
    if (typeof item === 'bigint') throw new TypeError('A BigInt cannot be encoded');
    if (typeof item !== 'object' || item === null) return item;
    const depth = (depths.get(this) ?? -1) + 1;
    if (depth >= 1000) throw new RangeError('too deep');
    depths.set(item, depth);
    return item;
  });
}

function usPerOp(op, n) {
  for (let i = 0; i < n / 10; i++) op();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) op();
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) / n).toFixed(3);
}

const reply = { message: 'Hello, bench', count: 3 };
const list = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item${i}`, tags: ['a', 'b'], at: new Date(0) })) };
for (const [label, value, n] of [['100 B reply', reply, 200_000], ['50-item list', list, 5_000]]) {
  console.log(`${label}: copy + stringify ${usPerOp(() => Buffer.from(JSON.stringify(toPlainData(value, false))), n)} µs, ` +
    `one pass with replacer ${usPerOp(() => Buffer.from(onePass(value)), n)} µs, ` +
    `bare stringify (no protection) ${usPerOp(() => Buffer.from(JSON.stringify(value)), n)} µs`);
}
