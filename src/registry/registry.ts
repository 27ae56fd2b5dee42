/**
 * Registry stores and looks up the nodes of running services (go-micro's
 * `registry.Registry`). The ValidatingRegistry wraps any implementation and decides who
 * may register and which records a reader may trust.
 */

/** One running instance of a service. */
export interface ServiceNode {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/** One endpoint a service offers. */
export interface EndpointRecord {
  readonly name: string;
  readonly request: string;
  readonly codec: string;
  /** The endpoint is `@Idempotent()`: clients may retry it after a `503` or `408`. */
  readonly idempotent?: boolean;
}

/** What a registry holds for one version of a service. */
export interface ServiceRecord {
  readonly name: string;
  readonly version: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly endpoints: readonly EndpointRecord[];
  readonly nodes: readonly ServiceNode[];
}

/** Options of one registration. */
export interface RegisterOptions {
  /** The record expires unless registered again within this time. */
  readonly ttlMs: number;
  /** The network address the registrant spoke from, when the registry sees one. */
  readonly sourceAddress?: string;
  /** The service name the registrant's verified certificate proves (`TLSMaterial.identity.name`). */
  readonly identity?: string;
}

/** Options of one deregistration: who asks, so only the owner may remove an entry. */
export interface DeregisterOptions {
  readonly sourceAddress?: string;
  readonly identity?: string;
}

/** What happened to one node of a service. */
export interface RegistryEvent {
  readonly type: 'create' | 'update' | 'delete';
  /** The record head with the one node the event is about. */
  readonly record: ServiceRecord;
}

/** A stream of registry events; `close()` ends the iteration and frees what it holds. */
export interface RegistryWatcher extends AsyncIterable<RegistryEvent> {
  close(): void;
}

/** Signs a record before it is registered, so readers can check who wrote it. */
export interface RegistrationSigner {
  /** A copy of `record` whose nodes carry a fresh registration token. */
  sign(record: ServiceRecord): ServiceRecord;
}

/** Registry stores and looks up the nodes of running services. */
export interface Registry {
  readonly name: string;
  /** Adds or refreshes the record's nodes. */
  register(record: ServiceRecord, options: RegisterOptions): Promise<void>;
  /** Removes the record's nodes. */
  deregister(record: ServiceRecord, options?: DeregisterOptions): Promise<void>;
  /** Every registered version of `name`; empty when there is none. */
  getService(name: string): Promise<ServiceRecord[]>;
  listServices(): Promise<ServiceRecord[]>;
  /** Create, update and delete events of one service's nodes, or of every service. */
  watch(service?: string): RegistryWatcher;
  /** Frees connections and timers; safe to call twice. */
  close?(): Promise<void>;
}

/** The default time-to-live of a registration. */
export const DEFAULT_REGISTER_TTL_MS = 30_000;

/** The node metadata key that carries a node's signed registration token. */
export const REGISTRATION_TOKEN_KEY = 'bastion.token';

// Errors raised (errors/catalogue.ts): BST_ERR_REGISTRY_DENIED (the detail starts with
// the check and a reason word such as TokenExpired or ReplayDetected), BST_ERR_REGISTRY_NOT_FOUND.
