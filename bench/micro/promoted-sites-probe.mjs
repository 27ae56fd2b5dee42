// Preloaded (`--import`) into a bench server by promoted-sites.mjs. On { type: 'sample-start' }
// it starts V8's sampling heap profiler keeping objects a major GC collected but dropping
// those a scavenge collected; on { type: 'sample-stop' } it answers the bytes per allocating
// function. What it lists was allocated, outlived the young generation and died in the old
// one (or is still alive): the per-call garbage that grows the old space under load.
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

function bySite(head) {
  const sites = new Map();
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    if (node.selfSize > 0) sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(head);
  return [...sites].sort((a, b) => b[1] - a[1]).slice(0, 20);
}

process.on('message', async (message) => {
  if (message?.type === 'sample-start') {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
    process.send?.({ type: 'sample-started' });
  }
  if (message?.type === 'sample-stop') {
    const { profile } = await post('HeapProfiler.getSamplingProfile');
    await post('HeapProfiler.stopSampling');
    process.send?.({ type: 'sample', sites: bySite(profile.head) });
  }
});
