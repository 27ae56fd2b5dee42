import { Bastion, BastionError, ensureDevPki, MemoryRegistry, type Logger, type TLSOptions } from '../../src/index.js';
import { Crunch, CRUNCH_MS } from './crunch.service.js';
import { transportLimits } from './limits.js';

/** What the example saw: error ids per burst, and the most handlers that ever ran at once. */
export interface TransportLimitsOutcome {
  /** Ten calls with a 50 ms deadline: `{ BST_ERR_CLIENT_DEADLINE_EXCEEDED: 4, BST_ERR_SERVER_OVERLOADED: 6 }`. */
  readonly firstBurst: Readonly<Record<string, number>>;
  /** Ten more right after, while the first four handlers still run although answered 408. */
  readonly secondBurst: Readonly<Record<string, number>>;
  readonly peak: number;
  /** One call once the handlers finished, with time enough, from a third caller: `'ok'`. */
  readonly afterwards: string;
}

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const TRUST_DOMAIN = 'bastion.local';

async function burst(client: Bastion, count: number): Promise<Record<string, number>> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => client.client.call('crunch', 'Crunch.run', {}, { timeoutMs: 50 })));
  const ids: Record<string, number> = {};
  for (const r of results) {
    const id = r.status === 'fulfilled' ? 'ok' : BastionError.is(r.reason) ? r.reason.id : 'other';
    ids[id] = (ids[id] ?? 0) + 1;
  }
  return ids;
}

/** Boots `crunch` with `transportLimits` and one caller, fires two bursts and one late call, and stops everything. */
export async function runTransportLimitsExample(pkiDir: string, logger: Logger = QUIET): Promise<TransportLimitsOutcome> {
  const paths = await ensureDevPki(pkiDir, TRUST_DOMAIN, ['crunch', 'caller']);
  const tls = (name: 'crunch' | 'caller'): TLSOptions => {
    const p = paths[name] as { ca: string; cert: string; key: string };
    return { ca: { path: p.ca }, cert: { path: p.cert }, key: { path: p.key }, trustDomain: TRUST_DOMAIN };
  };
  const registry = new MemoryRegistry();
  const server = await Bastion.create({ services: [Crunch], tls: tls('crunch'), registry, logger, transport: transportLimits });
  // One caller per step, each connected beforehand: a caller's circuit breaker, opened by
  // the 503s, would otherwise hide what the server answers to the next step.
  const callers = await Promise.all([1, 2, 3].map(() => Bastion.create({ tls: tls('caller'), registry, registryPolicy: { allowServices: ['crunch'] }, logger })));
  const [first, second, third] = callers as readonly Bastion[] as [Bastion, Bastion, Bastion];
  await server.start();
  try {
    for (const caller of callers) await caller.client.call('crunch', 'Crunch.ping', {});
    const firstBurst = await burst(first, 10);
    const secondBurst = await burst(second, 10);
    await new Promise((resolve) => setTimeout(resolve, CRUNCH_MS * 1.5));
    const late = await third.client.call('crunch', 'Crunch.run', {}, { timeoutMs: CRUNCH_MS * 10 }).then(
      () => 'ok',
      (error: unknown) => (BastionError.is(error) ? error.id : 'other'),
    );
    return { firstBurst, secondBurst, peak: server.container.get(Crunch).peak, afterwards: late };
  } finally {
    for (const caller of callers) await caller.stop();
    await server.stop();
  }
}
