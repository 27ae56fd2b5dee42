import type { Container } from 'inversify';
import type { Client } from './client/client.js';
import { boot, type BootedApp } from './container/boot.js';
import type { BastionOptions } from './container/options.js';
import type { AuditRow } from './metadata/audit.js';
import type { PeerIdentity } from './security/security.js';
import type { ServerAddress } from './server/server.js';
import { TOKENS } from './container/tokens.js';
import type { RateLimiter } from './ratelimit/ratelimit.js';
import type { Registry } from './registry/registry.js';
import { startMetricsEndpoint } from './container/observability.module.js';
import type { MetricsEndpoint } from './metrics/metrics.endpoint.js';
import type { MetricsRegistry } from './metrics/metrics.js';
import type { Broker } from './broker/broker.js';
import type { Publisher } from './broker/publisher.js';
import type { Subscribers } from './broker/subscribers.js';
import { exitOnSignals } from './container/signals.js';
import type { Logger } from './logging/logger.js';
import type { Transport } from './transport/transport.js';

/**
 * Bastion is one application: its services, its client and the container that wires
 * them. `create()` checks everything and binds; `start()` listens and registers;
 * `stop()` deregisters, drains and closes.
 *
 * @example
 * ```ts
 * const app = await Bastion.create({ services: [Greeter], tls });
 * await app.start();
 * const reply = await app.client.call('greeter', 'Greeter.hello', { name: 'Ada' });
 * await app.stop();
 * ```
 * @see docs/getting-started.md
 */
export class Bastion {
  private started = false;
  private detachSignals: (() => void) | undefined;
  private handleSignals = false;
  private metricsServer: MetricsEndpoint | undefined;

  private constructor(
    private readonly app: BootedApp,
    // A registry the app made from a URL is the app's to close; one passed in is the caller's.
    private readonly ownsRegistry: boolean,
  ) {}

  /**
   * Boots an application from its options; throws one error listing every problem found.
   * Without `services` it is a client-only app, whose `start()` resolves with `undefined`.
   */
  static async create(options: BastionOptions & { readonly services?: readonly [] }): Promise<ClientOnlyBastion>;
  static async create(options: BastionOptions): Promise<Bastion>;
  static async create(options: BastionOptions): Promise<Bastion> {
    const app = new Bastion(await boot(options), typeof options.registry === 'string');
    app.handleSignals = options.handleSignals === true;
    return app;
  }

  /** The client every call of this application goes through. */
  get client(): Client {
    return this.app.client;
  }

  /** Publishes messages to the topics `@Subscribe` methods listen on (docs/pubsub.md). */
  get broker(): Publisher {
    return this.app.container.get<Publisher>(TOKENS.Publisher);
  }

  /** The identity this application's current certificate proves; `undefined` in insecure mode. */
  get identity(): PeerIdentity | undefined {
    return this.app.certificates?.current().identity;
  }

  /** Each endpoint with its protections (the table logged at boot). */
  get endpoints(): readonly AuditRow[] {
    return this.app.audit;
  }

  /** The metrics registry when `observability.metrics` is on, to serve from the app's own HTTP server. */
  get metrics(): MetricsRegistry | undefined {
    return this.app.container.isBound(TOKENS.MetricsRegistry) ? this.app.container.get<MetricsRegistry>(TOKENS.MetricsRegistry) : undefined;
  }

  /** Where the opt-in metrics endpoint listens, once started. */
  get metricsEndpoint(): { readonly host: string; readonly port: number; readonly path: string } | undefined {
    return this.metricsServer;
  }

  /** The inversify container, for resolving or overriding bindings. */
  get container(): Container {
    return this.app.container;
  }

  /**
   * Listens, registers every service, and resolves with the bound address. An app with no
   * endpoint has nothing to listen on: one of `@Subscribe` methods only resolves with
   * `{ host: '', port: 0 }`, a client-only app (created without services) with `undefined`,
   * so calling `start()` on a client, as Nest and Moleculer users do, is harmless.
   */
  async start(): Promise<ServerAddress> {
    const logger = this.app.container.get<Logger>(TOKENS.Logger);
    if (this.handleSignals) this.detachSignals ??= exitOnSignals(() => this.stop(), logger);
    const subscribers = this.app.container.get<Subscribers>(TOKENS.SubscriberRunner);
    const onlySubscribers = this.app.endpoints.length === 0 && this.app.container.get<readonly unknown[]>(TOKENS.Subscribers).length > 0;
    const clientOnly = this.app.endpoints.length === 0 && !onlySubscribers;
    if (clientOnly) logger.debug('server_not_started', { reason: 'no services: a client-only app listens on nothing' });
    // Typed for apps that serve; ClientOnlyBastion gives the client-only case its honest type.
    const address = clientOnly ? (undefined as unknown as ServerAddress) : onlySubscribers ? { host: '', port: 0 } : await this.app.server.start();
    this.started = true;
    this.metricsServer ??= await startMetricsEndpoint(this.app.container);
    await subscribers.start();
    return address;
  }

  /** Deregisters, stops accepting, drains in-flight calls, closes connections. Safe to call twice. */
  async stop(): Promise<void> {
    await this.app.container.get<Subscribers>(TOKENS.SubscriberRunner).stop();
    if (this.started && this.app.endpoints.length > 0) await this.app.server.stop();
    await this.app.client.close();
    await this.app.container.get<RateLimiter>(TOKENS.RateLimiter).close?.();
    await this.app.container.get<Broker>(TOKENS.Broker).close();
    await this.app.container.get<Transport>(TOKENS.Transport).close?.();
    await this.metricsServer?.close();
    await this.app.certificates?.close();
    if (this.ownsRegistry) await this.app.container.get<Registry>(TOKENS.Registry).close?.();
    this.detachSignals?.();
    this.detachSignals = undefined;
  }
}

/**
 * What `Bastion.create()` returns for options without services: a client-only app, whose
 * `start()` listens on nothing and resolves with `undefined`.
 */
export type ClientOnlyBastion = { start(): Promise<undefined> } & Bastion;
