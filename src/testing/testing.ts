/**
 * The testing kit boots a service inside the test process, like NestJS's testing module:
 * on an ephemeral loopback port behind mutual TLS with a throwaway CA (or on the memory
 * transport), with bindings overridden by fakes, and hands out clients that call it as a
 * chosen peer identity. `close()` stops everything it started.
 */
import type { ServiceIdentifier } from 'inversify';
import type { BastionOptions } from '../container/options.js';
import type { BindingOverride } from '../container/testing.module.js';
import type { CallOptions, Client } from '../client/client.js';
import type { ServiceProxy } from '../client/proxy.js';
import type { AuditRow } from '../metadata/audit.js';
import type { ServerAddress, ServiceClass } from '../server/server.js';

export type { BindingOverride, ServiceProxy };

/** How the test application is reached: real mTLS over loopback, or in-process frames. */
export type TestTransport = 'tls' | 'memory';

/** What `createTestApp()` boots. */
export interface TestAppOptions {
  /** The service classes under test. */
  readonly services: readonly ServiceClass[];
  /** The identity the served application proves; defaults to the first service's name. */
  readonly identity?: string;
  /** `tls` (default) listens on 127.0.0.1 with a throwaway CA; `memory` never opens a socket. */
  readonly transport?: TestTransport;
  /** Bindings to replace with fakes: a token or an injectable class, and the value to use. */
  readonly overrides?: readonly BindingOverride[];
  readonly trustDomain?: string;
  /** Any other application option (strict mode, limits, wrappers, a logger). */
  readonly options?: Omit<Partial<BastionOptions>, 'services' | 'tls'>;
}

/** Options of one typed client. */
export interface TestClientOptions {
  /** The identity the caller's certificate proves; defaults to `test-client`. */
  readonly as?: string;
  /** Options applied to every call of this client. */
  readonly call?: CallOptions;
}

/** A service booted for a test. */
export interface TestApp {
  /** Where it listens (a fake port on the memory transport). */
  readonly address: ServerAddress;
  /** The identity its certificate proves. */
  readonly identity: string;
  /** Each endpoint with its protections, as `bastion audit` prints them. */
  readonly endpoints: readonly AuditRow[];
  /** A client calling as `identity` (created once per identity). */
  clientAs(identity?: string): Promise<Client>;
  /** A typed client for `cls`: `await (await app.client(Greeter)).hello({ name: 'Ada' })`. */
  client<T extends object>(cls: new (...args: never[]) => T, options?: TestClientOptions): Promise<ServiceProxy<T>>;
  /** Resolves a binding of the served application (a service, an override, a token). */
  get<T>(token: ServiceIdentifier<T>): T;
  /** Stops the service and every client. Safe to call twice. */
  close(): Promise<void>;
}

/** The identity test clients present unless told otherwise. */
export const DEFAULT_TEST_CLIENT = 'test-client';

/** The trust domain of the throwaway CA. */
export const TEST_TRUST_DOMAIN = 'bastion.test';
