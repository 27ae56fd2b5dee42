// Bastion's side: the same Accounts service booted with Bastion.create and its defaults
// (mTLS, the decorators' rate limits, hardened codecs), registering into a shared Redis
// with signed registrations checked on write and on read.
import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import { Accounts } from '../../examples/threat-model/accounts.service.js';
import {
  Bastion,
  createRegistrationKeys,
  identityBindingCheck,
  MemoryRegistry,
  NATSRegistry,
  RedisRegistry,
  resolveRegistryPolicy,
  signedRegistrationCheck,
  ValidatingRegistry,
  type RegistrationCheck,
  type Registry,
} from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

/** Certificates an outside party holds: some from the real CA, some from its own. */
export interface AttackerCertificates {
  /** The real CA, and leaf certificates it issued (the attacker compromised their holders). */
  readonly pki: TestPki;
  /** A CA of the attacker's own, trusted by nobody. */
  readonly roguePki: TestPki;
}

/** The Bastion set-up: the server, the legitimate `frontend` caller, and the shared store. */
export class BastionSetup {
  readonly keys = createRegistrationKeys('k1');
  readonly serverLogger = new RecordingLogger();
  readonly clientLogger = new RecordingLogger();
  private readonly apps: Bastion[] = [];
  server!: Bastion;
  frontend!: Bastion;
  port = 0;
  private natsStore: NATSRegistry | undefined;

  constructor(
    readonly certificates: AttackerCertificates,
    readonly redis: Redis,
    readonly prefix: string,
    readonly store: RedisRegistry = new RedisRegistry({ client: redis, prefix }),
  ) {}

  /** The checks every process of the deployment runs: signed tokens, nonces in Redis, identity binding. */
  checks(store: RedisRegistry | NATSRegistry = this.store): RegistrationCheck[] {
    return [signedRegistrationCheck({ keys: { [this.keys.kid]: { publicKey: this.keys.publicKey, services: ['accounts'] } }, replayCache: store }), identityBindingCheck()];
  }

  /** The registry as the deployment's policy sees it, for a party writing through it. */
  frontDoor(store: RedisRegistry | NATSRegistry = this.store): ValidatingRegistry {
    return new ValidatingRegistry(store, resolveRegistryPolicy({ allowServices: ['accounts'], checks: this.checks(store) }), this.serverLogger);
  }

  async start(): Promise<void> {
    const { pki } = this.certificates;
    this.server = await this.boot({
      services: [Accounts],
      tls: await pki.tlsFor('accounts'),
      registry: this.store,
      registrationKey: { kid: this.keys.kid, privateKey: this.keys.privateKey },
      registryPolicy: { checks: this.checks() },
      logger: this.serverLogger,
    });
    this.port = (await this.server.start()).port;
    this.frontend = await this.boot({ tls: await pki.tlsFor('frontend'), registry: this.store, registryPolicy: { allowServices: ['accounts'], checks: this.checks() }, logger: this.clientLogger });
  }

  /** A second server of the same service, registering into a NATS KV bucket with the same key and checks. */
  async startOnNats(connection: NatsConnection, bucket: string): Promise<NATSRegistry> {
    const store = new NATSRegistry({ connection, bucket });
    this.natsStore = store;
    const server = await this.boot({
      services: [Accounts],
      tls: await this.certificates.pki.tlsFor('accounts'),
      registry: store,
      registrationKey: { kid: this.keys.kid, privateKey: this.keys.privateKey },
      registryPolicy: { checks: this.checks(store) },
      logger: this.serverLogger,
    });
    await server.start();
    return store;
  }

  /**
   * A `frontend` client whose registry sends it to `port`, as a hijacked DNS name or route
   * would; it still demands that whoever answers proves the identity `accounts`.
   */
  async frontendVia(port: number): Promise<Bastion> {
    const registry: Registry = new MemoryRegistry();
    await registry.register({ name: 'accounts', version: '1.0.0', metadata: {}, endpoints: [], nodes: [{ id: `via-${port}`, host: '127.0.0.1', port, metadata: {} }] }, { ttlMs: 60_000 });
    return this.boot({ tls: await this.certificates.pki.tlsFor('frontend'), registry, registryPolicy: { allowServices: ['accounts'] }, client: { retry: { retries: 0 } }, logger: new RecordingLogger() });
  }

  /** A `frontend` client with an empty node cache, reading the shared store through the deployment's checks. */
  async freshFrontend(logger: RecordingLogger, store: RedisRegistry | NATSRegistry = this.store): Promise<Bastion> {
    return this.boot({ tls: await this.certificates.pki.tlsFor('frontend'), registry: store, registryPolicy: { allowServices: ['accounts'], checks: this.checks(store) }, client: { retry: { retries: 0 } }, logger });
  }

  /** One legitimate call; resolves with whether it was served as `frontend`. */
  async legitimateCall(): Promise<boolean> {
    try {
      const reply = await this.frontend.client.call<{ identity: string }>('accounts', 'Accounts.whoami', {});
      return reply.identity === 'frontend';
    } catch {
      return false;
    }
  }

  async stop(): Promise<void> {
    for (const app of this.apps.reverse()) await app.stop();
    await this.natsStore?.close();
  }

  /** Stops one app made by `frontendVia`. */
  async release(app: Bastion): Promise<void> {
    this.apps.splice(this.apps.indexOf(app), 1);
    await app.stop();
  }

  private async boot(options: Parameters<typeof Bastion.create>[0]): Promise<Bastion> {
    const app = await Bastion.create(options);
    this.apps.push(app);
    return app;
  }
}
