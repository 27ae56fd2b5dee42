import type { ServiceNode } from '../registry/registry.js';

const keys = new WeakMap<ServiceNode, { readonly service: string; readonly key: string }>();

/**
 * The key of a node of a service for the pool and the circuit breakers:
 * `service NUL host:port`. Made once per node object (the selector hands out the same
 * cached objects call after call) instead of a new string to hash on every call.
 */
export function nodeKey(service: string, node: ServiceNode): string {
  const known = keys.get(node);
  if (known !== undefined && known.service === service) return known.key;
  const key = `${service}\u0000${node.host}:${node.port}`;
  // A node object is frozen in the registry's records; a mutable one could change its address.
  if (Object.isFrozen(node)) keys.set(node, { service, key });
  return key;
}
