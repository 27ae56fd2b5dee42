import type { ServiceIdentifier } from 'inversify';
import { Bastion } from '../bastion.js';
import type { Client } from '../client/client.js';
import type { BastionOptions } from '../container/options.js';
import { memoryNetwork, overridesModule, transportModule, type MemoryNetwork } from '../container/testing.module.js';
import { DEFAULT_CONTENT_TYPE } from '../codec/codecs.js';
import { exploreServices } from '../metadata/explorer.js';
import { MemoryRegistry } from '../registry/memory.registry.js';
import { createCertificateAuthority, issueServiceCertificate, type KeyPairPem } from '../security/dev-pki.js';
import type { TLSOptions } from '../security/security.js';
import { DEFAULT_TEST_CLIENT, TEST_TRUST_DOMAIN, type ServiceProxy, type TestApp, type TestAppOptions, type TestClientOptions } from './testing.js';

/**
 * Boots `options.services` for a test and returns handles to call it and stop it. Every
 * certificate comes from a CA made for this one application and kept only in memory.
 *
 * @example
 * ```ts
 * const app = await createTestApp({ services: [Greeter], overrides: [{ provide: Clock, useValue: fakeClock }] });
 * const greeter = await app.client(Greeter, { as: 'greeter-client' });
 * assert.equal((await greeter.hello({ name: 'Ada' })).message, 'Hello, Ada!');
 * await app.close();
 * ```
 */
export async function createTestApp(options: TestAppOptions): Promise<TestApp> {
  const names = [...new Set(exploreServices(options.services, { codec: DEFAULT_CONTENT_TYPE }).map((e) => e.service))];
  const identity = options.identity ?? names[0];
  if (identity === undefined) throw new TypeError('createTestApp needs at least one service class');
  const trustDomain = options.trustDomain ?? TEST_TRUST_DOMAIN;
  const ca = await createCertificateAuthority({ trustDomain });
  const network = options.transport === 'memory' ? memoryNetwork(identity, trustDomain) : undefined;
  const registry = options.options?.registry ?? new MemoryRegistry();
  const base: Partial<BastionOptions> = { logLevel: 'warn', ...options.options, registry };

  const server = await Bastion.create({
    ...base,
    services: options.services,
    tls: await tlsFor(ca, identity, trustDomain),
    modules: [...(base.modules ?? []), ...transportOf(network, undefined), overridesModule(options.overrides ?? [])],
  });
  let address;
  try {
    address = await server.start();
  } catch (error) {
    await server.stop();
    throw error;
  }

  const clients = new Map<string, Promise<Bastion>>();
  const clientAs = async (caller: string = DEFAULT_TEST_CLIENT): Promise<Client> => {
    let pending = clients.get(caller);
    if (pending === undefined) {
      pending = (async () =>
        Bastion.create({
          ...base,
          services: [],
          tls: await tlsFor(ca, caller, trustDomain),
          registryPolicy: { allowServices: names },
          modules: [...(base.modules ?? []), ...transportOf(network, caller)],
        }))();
      clients.set(caller, pending);
    }
    return (await pending).client;
  };
  let closing: Promise<void> | undefined;

  return {
    address,
    identity,
    endpoints: server.endpoints,
    clientAs,
    async client<T extends object>(cls: new (...args: never[]) => T, clientOptions: TestClientOptions = {}): Promise<ServiceProxy<T>> {
      return (await clientAs(clientOptions.as)).proxy(cls, clientOptions.call);
    },
    get<T>(token: ServiceIdentifier<T>): T {
      return server.container.get<T>(token);
    },
    close() {
      closing ??= (async () => {
        const started = await Promise.allSettled([...clients.values()]);
        await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
        await server.stop();
      })();
      return closing;
    },
  };
}

async function tlsFor(ca: KeyPairPem, service: string, trustDomain: string): Promise<TLSOptions> {
  const pair = await issueServiceCertificate(ca, { service, trustDomain });
  return { ca: { pem: ca.certPem }, cert: { pem: pair.certPem }, key: { pem: pair.keyPem }, trustDomain };
}

function transportOf(network: MemoryNetwork | undefined, caller: string | undefined) {
  if (network === undefined) return [];
  return [transportModule(caller === undefined ? network.server : network.callerAs(caller))];
}
