// `npm run bench -- profile`: CPU profiles (node --cpu-prof) of Bastion's server and client
// under the 100 B load, summarised as the functions with the most self time.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './config.js';
import type { RunSample } from './report.js';
import { PAYLOADS } from './workload.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of the sampled CPU time. */
export interface HotSpot {
  readonly fn: string;
  readonly where: string;
  readonly selfPercent: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the raw `.cpuprofile` files go (git-ignored by `bench/results/profiles/.gitignore`). */
export const PROFILE_DIR = join(ROOT, 'bench', 'results', 'profiles');

function where(url: string, line: number): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return `${path.startsWith(ROOT) ? relative(ROOT, path) : path}:${line + 1}`;
}

/** The samples taken inside `windowUs` (both processes read the same monotonic clock). */
function within(profile: CpuProfile, windowUs: readonly [number, number] | undefined): CpuProfile {
  if (windowUs === undefined) return profile;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t >= windowUs[0] && t <= windowUs[1]) {
      samples.push(id);
      timeDeltas.push(delta);
    }
  });
  return { ...profile, samples, timeDeltas };
}

/** Self time per function (by name and location), busiest first; idle time left out. */
export function hotSpots(profile: CpuProfile, top: number): HotSpot[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    total += us;
    const fn = node.callFrame.functionName || '(anonymous)';
    const loc = where(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${fn}@${loc}`;
    const entry = self.get(key) ?? { fn, where: loc, us: 0 };
    entry.us += us;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ fn: e.fn, where: e.where, selfPercent: (100 * e.us) / Math.max(total, 1) }));
}

/** Self time per source file or package, busiest first: which layer the CPU goes to. */
export function hotFiles(profile: CpuProfile, top: number): HotSpot[] {
  const spots = hotSpots(profile, Number.MAX_SAFE_INTEGER);
  const byFile = new Map<string, number>();
  for (const s of spots) {
    const file = s.where === '' ? s.fn : s.where.replace(/:\d+$/, '').replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, 'node_modules/$1');
    byFile.set(file, (byFile.get(file) ?? 0) + s.selfPercent);
  }
  return [...byFile]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([file, selfPercent]) => ({ fn: '', where: file, selfPercent }));
}

function table(title: string, spots: readonly HotSpot[]): string {
  return [
    `| ${title} | where | self % |`,
    '| --- | --- | ---: |',
    ...spots.map((s) => `| ${s.fn === '' ? '' : `\`${s.fn}\``} | ${s.where === '' ? '(native / VM)' : `\`${s.where}\``} | ${s.selfPercent.toFixed(1)} |`),
  ].join('\n');
}

/** The contenders profiled: Bastion, and the raw limit to compare the same functions against. */
export const PROFILED = ['raw-tls', 'bastion'] as const;

/** Profiles each of PROFILED under the 100 B load and writes bench/results/profile.md. */
export async function profileContenders(
  config: BenchConfig,
  measure: (contender: string, config: BenchConfig, flags: { server: string[]; client: string[] }) => Promise<RunSample>,
): Promise<string> {
  await rm(PROFILE_DIR, { recursive: true, force: true });
  await mkdir(PROFILE_DIR, { recursive: true });
  await writeFile(join(PROFILE_DIR, '.gitignore'), '*\n');
  const parts = [
    `Profiles of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${PAYLOADS[config.payload]} B echo, ${config.inFlight} in flight, ${config.seconds} s after ` +
      `${config.warmupSeconds} s of warm-up (\`node --cpu-prof\`; self time of the samples inside the measured phase only, so boot and module ` +
      'loading are left out; idle excluded).',
  ];
  for (const contender of PROFILED) {
    const dirs = { server: join(PROFILE_DIR, contender, 'server'), client: join(PROFILE_DIR, contender, 'client') };
    await mkdir(dirs.server, { recursive: true });
    await mkdir(dirs.client, { recursive: true });
    const flag = (dir: string) => ['--cpu-prof', '--cpu-prof-dir', dir];
    const sample = await measure(contender, config, { server: flag(dirs.server), client: flag(dirs.client) });
    parts.push(`## ${contender}: ${Math.round(sample.client.small.rps)} req/s while profiled`);
    for (const side of ['server', 'client'] as const) {
      const files = (await readdir(dirs[side])).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length === 0) throw new Error(`no ${contender} ${side} profile was written`);
      const profile = within(JSON.parse(await readFile(join(dirs[side], files[0] as string), 'utf8')) as CpuProfile, sample.client.windowUs);
      parts.push(`### ${contender} ${side}`, table(`${side}: function`, hotSpots(profile, 20)), table(`${side}: by file / package`, hotFiles(profile, 12)));
    }
  }
  const text = parts.join('\n\n');
  await writeFile(join(ROOT, 'bench', 'results', 'profile.md'), `${text}\n`);
  return text;
}
