// Preloaded (`--import`) into a bench server process by server-memory.mjs: answers
// { type: 'memory' } with process.memoryUsage() after a full GC and the packages in the
// CommonJS module cache, next to the bench server's own messages.
import { createRequire } from 'node:module';
import { getHeapSpaceStatistics } from 'node:v8';

const cache = createRequire(import.meta.url).cache;

function packages() {
  const counts = {};
  for (const file of Object.keys(cache)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;

process.on('message', (message) => {
  if (message?.type !== 'memory') return;
  const raw = process.memoryUsage();
  globalThis.gc?.();
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.send?.({ type: 'memory', rssBeforeGc: mib(raw.rss), rss: mib(rss), heapTotal: mib(heapTotal), heapUsed: mib(heapUsed), external: mib(external), arrayBuffers: mib(arrayBuffers), packages: packages(), spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, mib(s.space_size)])) });
});
