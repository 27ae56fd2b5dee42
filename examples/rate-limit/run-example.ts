import type { ContainerModule } from 'inversify';
import { Bastion, BastionError, clientRateLimitWrapper, ensureDevPki, MemoryRegistry, redisRateLimitModule, type Logger, type TLSOptions } from '../../src/index.js';
import { Reports } from './reports.service.js';

/** What the example saw: how many calls of each burst passed, and how the rest failed. */
export interface RateLimitOutcome {
  readonly buildPassed: number;
  /** Status codes of the refused calls, with their counts (`{ 429: 40 }`). */
  readonly buildRefused: Readonly<Record<number, number>>;
  readonly statusPassed: number;
  readonly exportPassed: number;
  readonly exportShed: number;
  readonly pacedPassed: number;
}

/** Where the example's PKI lives, and Redis if the budget should be shared. */
export interface RateLimitExampleOptions {
  readonly pkiDir: string;
  /** With a URL, the buckets live in Redis (shared by every replica), else in this process. */
  readonly redisUrl?: string;
  readonly logger?: Logger;
}

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const TRUST_DOMAIN = 'bastion.local';

async function burst(count: number, call: () => Promise<unknown>): Promise<{ passed: number; codes: number[] }> {
  const results = await Promise.allSettled(Array.from({ length: count }, call));
  const codes = results.flatMap((r) => (r.status === 'rejected' && BastionError.is(r.reason) ? [r.reason.code] : []));
  return { passed: results.filter((r) => r.status === 'fulfilled').length, codes };
}

/** Boots `reports` and one caller, fires one burst per endpoint, and stops everything. */
export async function runRateLimitExample(options: RateLimitExampleOptions): Promise<RateLimitOutcome> {
  const paths = await ensureDevPki(options.pkiDir, TRUST_DOMAIN, ['reports', 'dashboard', 'console']);
  const tls = (name: 'reports' | 'dashboard' | 'console'): TLSOptions => {
    const p = paths[name] as { ca: string; cert: string; key: string };
    return { ca: { path: p.ca }, cert: { path: p.cert }, key: { path: p.key }, trustDomain: TRUST_DOMAIN };
  };
  const logger = options.logger ?? QUIET;
  const registry = new MemoryRegistry();
  const modules: ContainerModule[] = options.redisUrl === undefined ? [] : [redisRateLimitModule({ url: options.redisUrl, fallback: 'local' })];
  const server = await Bastion.create({ services: [Reports], tls: tls('reports'), registry, logger, modules });
  const dashboard = await Bastion.create({ tls: tls('dashboard'), registry, registryPolicy: { allowServices: ['reports'] }, logger });
  // A polite caller paces itself to 5 per second instead of collecting 429s.
  const paced = await Bastion.create({
    tls: tls('console'),
    registry,
    registryPolicy: { allowServices: ['reports'] },
    logger,
    clientWrappers: [clientRateLimitWrapper({ tokensPerInterval: 5, interval: 'second', mode: 'wait', maxWaitMs: 3000 })],
  });
  await server.start();
  try {
    const build = await burst(50, () => dashboard.client.call('reports', 'Reports.build', {}));
    const status = await burst(8, () => dashboard.client.call('reports', 'Reports.status', {}));
    const exported = await burst(5, () => dashboard.client.call('reports', 'Reports.export', {}));
    const pacedStatus = await burst(8, () => paced.client.call('reports', 'Reports.status', {}));
    return {
      buildPassed: build.passed,
      buildRefused: build.codes.reduce<Record<number, number>>((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {}),
      statusPassed: status.passed,
      exportPassed: exported.passed,
      exportShed: exported.codes.filter((c) => c === 503).length,
      pacedPassed: pacedStatus.passed,
    };
  } finally {
    await paced.stop();
    await dashboard.stop();
    await server.stop();
  }
}
