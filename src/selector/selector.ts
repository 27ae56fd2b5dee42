/**
 * Selector picks the node of a service that the next call goes to (go-micro's
 * `selector.Selector`), reading nodes from the registry it wraps.
 */
import type { ServiceNode } from '../registry/registry.js';

/** Selector picks a node of a service. */
export interface Selector {
  readonly name: string;
  /** A node of `service` passing `filter`; throws a `503` BastionError when there is none. */
  select(service: string, filter?: NodeFilter): Promise<ServiceNode>;
  /**
   * `select` answered from the selector's cache, without waiting: `undefined` when it would
   * have to read the registry first (then call `select`); throws what `select` would reject with.
   */
  selectNow?(service: string, filter?: NodeFilter): ServiceNode | undefined;
  /** Tells the selector a node failed, so it is skipped until the registry lists it again. */
  markFailed(service: string, node: ServiceNode): void;
  /** Stops watching the registry; safe to call twice. */
  close?(): void;
}

/** Which nodes a call may go to: a version, and metadata every chosen node must carry. */
export interface NodeFilter {
  /** Exact version of the service record. */
  readonly version?: string;
  /** Key/value pairs the node's metadata (over its record's metadata) must hold. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Options of the caching selectors. */
export interface SelectorOptions {
  /** How long a service's node list is reused before the registry is read again; 0 reads every time. */
  readonly cacheTtlMs: number;
  /** Watch each cached service, so a change reaches the next call without waiting for `cacheTtlMs`. */
  readonly watch: boolean;
}

/** Default time a node list is cached: short, so dead nodes and new ones show up quickly. */
export const DEFAULT_SELECTOR_CACHE_TTL_MS = 1000;

// Errors raised (errors/catalogue.ts): BST_ERR_CLIENT_NO_NODES.
