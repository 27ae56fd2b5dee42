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
}

/** Registry stores and looks up the nodes of running services. */
export interface Registry {
  readonly name: string;
  /** Adds or refreshes the record's nodes. */
  register(record: ServiceRecord, options: RegisterOptions): Promise<void>;
  /** Removes the record's nodes. */
  deregister(record: ServiceRecord): Promise<void>;
  /** Every registered version of `name`; empty when there is none. */
  getService(name: string): Promise<ServiceRecord[]>;
  listServices(): Promise<ServiceRecord[]>;
}

/** The default time-to-live of a registration. */
export const DEFAULT_REGISTER_TTL_MS = 30_000;

// Errors raised (errors/catalogue.ts): BST_ERR_REGISTRY_DENIED, BST_ERR_REGISTRY_NOT_FOUND.
