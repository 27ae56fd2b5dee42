import type { Logger } from '../logging/logger.js';
import type { Registry } from '../registry/registry.js';
import { resolveRegistryPolicy, type RegistryPolicy } from '../registry/validating/policy.js';
import { ValidatingRegistry } from '../registry/validating/validating.registry.js';
import { registryFromUrl } from './registry-url.js';

/** A registry opened only to read it, and how to let go of its connection. */
export interface RegistryReader {
  readonly registry: Registry;
  close(): Promise<void>;
}

/**
 * Opens the registry at `url` for reading (`bastion services`), behind the
 * ValidatingRegistry so that malformed or policy-failing records are dropped as any client
 * would drop them. Every name may be read unless `policy` says otherwise.
 */
export function openRegistryReader(url: string, logger: Logger, policy: Partial<RegistryPolicy> = {}): RegistryReader {
  const inner = registryFromUrl(url);
  const registry = new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['*'], ...policy }), logger);
  return { registry, close: async () => inner.close?.() };
}
