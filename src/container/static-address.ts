import { MemoryRegistry } from '../registry/memory.registry.js';
import type { Registry } from '../registry/registry.js';

// Outlives any call the CLI makes; the record never leaves this process.
const STATIC_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A registry that knows one node of one service, for dialling an address directly
 * (`bastion call --address`). The record still goes through the ValidatingRegistry on
 * read, and the client still demands that the server prove `service`'s identity, so a
 * wrong address fails the handshake instead of reaching someone else.
 */
export async function staticAddressRegistry(service: string, address: { host: string; port: number }): Promise<Registry> {
  const registry = new MemoryRegistry();
  const node = { id: `static-${address.host}-${address.port}`, host: address.host, port: address.port, metadata: {} };
  await registry.register({ name: service, version: 'static', metadata: {}, endpoints: [], nodes: [node] }, { ttlMs: STATIC_TTL_MS });
  return registry;
}
