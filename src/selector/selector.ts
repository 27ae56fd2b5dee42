/**
 * Selector picks the node of a service that the next call goes to (go-micro's
 * `selector.Selector`), reading nodes from the registry it wraps.
 */
import type { ServiceNode } from '../registry/registry.js';

/** Selector picks a node of a service. */
export interface Selector {
  readonly name: string;
  /** A node of `service`; throws a `503` BastionError when none is registered. */
  select(service: string): Promise<ServiceNode>;
  /** Tells the selector a node failed, so it is skipped until the registry lists it again. */
  markFailed(service: string, node: ServiceNode): void;
}

/** Options of the caching selectors. */
export interface SelectorOptions {
  /** How long a service's node list is reused before the registry is read again; 0 reads every time. */
  readonly cacheTtlMs: number;
}

/** Default time a node list is cached: short, so dead nodes and new ones show up quickly. */
export const DEFAULT_SELECTOR_CACHE_TTL_MS = 1000;

// Errors raised (errors/catalogue.ts): BST_ERR_CLIENT_NO_NODES.
