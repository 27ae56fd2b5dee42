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

// Errors raised (errors/catalogue.ts): BST_ERR_CLIENT_NO_NODES.
