import { Bastion, ensureDevPki, MemoryRegistry, type Logger, type TLSOptions } from '../../src/index.js';
import { Greeter } from '../greeter/greeter.service.js';

/** What the example saw: the client's `start()` result and the reply it got. */
export interface ClientOnlyOutcome {
  /** `undefined`: a client-only app listens on nothing. */
  readonly clientAddress: undefined;
  readonly greeting: unknown;
}

const QUIET: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const TRUST_DOMAIN = 'bastion.local';

/** Serves the greeter, then calls it from a client-only app that calls `start()` as a Nest or Moleculer user would. */
export async function runClientOnlyExample(pkiDir: string, logger: Logger = QUIET): Promise<ClientOnlyOutcome> {
  const paths = await ensureDevPki(pkiDir, TRUST_DOMAIN, ['greeter', 'greeter-client']);
  const tls = (name: 'greeter' | 'greeter-client'): TLSOptions => {
    const p = paths[name] as { ca: string; cert: string; key: string };
    return { ca: { path: p.ca }, cert: { path: p.cert }, key: { path: p.key }, trustDomain: TRUST_DOMAIN };
  };
  const registry = new MemoryRegistry();
  const server = await Bastion.create({ services: [Greeter], tls: tls('greeter'), registry, logger });
  await server.start();
  // No services: a client-only app. start() is optional; it listens on nothing and resolves with undefined.
  const client = await Bastion.create({ tls: tls('greeter-client'), registry, registryPolicy: { allowServices: ['greeter'] }, logger });
  try {
    const clientAddress = await client.start();
    const greeting = await client.client.call('greeter', 'Greeter.hello', { name: 'Ada' });
    return { clientAddress, greeting };
  } finally {
    await client.stop();
    await server.stop();
  }
}
