// Child process: serves one contender until the runner says stop, and reports its RSS.
import { loadContender } from './contenders/index.js';
import { readBenchPki } from './pki-file.js';

/** Messages the runner sends a server process. */
export type ToServer = { readonly type: 'rss'; readonly windowsUs?: readonly (readonly [number, number])[] } | { readonly type: 'cpu' } | { readonly type: 'stop' };
/** Messages a server process sends the runner; `cpuUs` is the CPU time spent inside each of `windowsUs`. */
export type FromServer =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'rss'; readonly rssMb: number; readonly cpuUs: readonly (number | null)[] }
  /** This process's CPU time so far, read when asked (before and after a slice). */
  | { readonly type: 'cpu'; readonly cpuUs: number };

// CPU time is sampled so the runner can ask what one client phase cost this process: unlike
// req/s, CPU per call hardly moves when colleagues' processes compete for the cores.
const CPU_SAMPLE_MS = 50;
const MAX_CPU_SAMPLES = 20_000;
const cpuSamples: [number, number][] = [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const cpuNowUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const sampler = setInterval(() => {
  if (cpuSamples.length >= MAX_CPU_SAMPLES) cpuSamples.shift();
  cpuSamples.push([nowUs(), cpuNowUs()]);
}, CPU_SAMPLE_MS);
sampler.unref();

/** CPU microseconds between the samples nearest the window's ends. */
function cpuWithin(windowUs: readonly [number, number]): number | undefined {
  const first = cpuSamples.find(([t]) => t >= windowUs[0]);
  const last = [...cpuSamples].reverse().find(([t]) => t <= windowUs[1]);
  if (first === undefined || last === undefined || last[0] <= first[0]) return undefined;
  // Scaled to the window, as the samples cover up to one period less than it.
  return ((last[1] - first[1]) * (windowUs[1] - windowUs[0])) / (last[0] - first[0]);
}

const [name, pkiDir] = process.argv.slice(2);
if (name === undefined || pkiDir === undefined || process.send === undefined) {
  console.error('usage: forked by the runner with <contender> <pki-dir>');
  process.exit(2);
}
const send = process.send.bind(process);
const contender = await loadContender(name);
const server = await contender.serve(await readBenchPki(pkiDir));

process.on('message', (message: ToServer) => {
  if (message.type === 'rss') {
    const cpuUs = (message.windowsUs ?? []).map((window) => cpuWithin(window) ?? null);
    send({ type: 'rss', rssMb: process.memoryUsage().rss / 2 ** 20, cpuUs } satisfies FromServer);
  }
  if (message.type === 'cpu') send({ type: 'cpu', cpuUs: cpuNowUs() } satisfies FromServer);
  if (message.type === 'stop') {
    // A hung close must not hang the run; exit (and write any --cpu-prof profile) either way.
    const forced = setTimeout(() => process.exit(0), 5000);
    server.close().finally(() => {
      clearTimeout(forced);
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', port: server.port } satisfies FromServer);
