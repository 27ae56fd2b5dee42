import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileRegistry } from '../registry/file.registry.js';
import { MemoryRegistry } from '../registry/memory.registry.js';
import { NATSRegistry } from '../registry/nats.registry.js';
import { RedisRegistry } from '../registry/redis.registry.js';
import type { Registry } from '../registry/registry.js';

/**
 * Parses a registry URL, or throws a RangeError saying how to write it; `file://tmp/x`
 * (two slashes) names a host, which Node refuses with a message that does not say why.
 */
export function parseRegistryUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`registry URL '${url.slice(0, 80)}' is not a URL (try memory:, file:///dir, redis://host:port or nats://host:port)`);
  }
  if (parsed.protocol === 'file:' && parsed.hostname !== '' && parsed.hostname !== 'localhost') {
    throw new RangeError(`registry URL '${url.slice(0, 80)}' names the host '${parsed.hostname.slice(0, 64)}': write a file registry as file:///absolute/path (three slashes)`);
  }
  return parsed;
}

/**
 * Makes a registry from a URL: `memory:`, `file:///path/to/dir`, `redis://host:port[/db]`
 * (optional `?prefix=`), or `nats://host:port` (optional `?bucket=`). Used by
 * `BastionOptions.registry` and the CLI's `--registry`.
 */
export function registryFromUrl(url: string): Registry {
  const parsed = parseRegistryUrl(url);
  const option = (name: string) => parsed.searchParams.get(name) ?? undefined;
  switch (parsed.protocol) {
    case 'memory:':
      return new MemoryRegistry();
    case 'file:':
      return new FileRegistry({ directory: resolve(fileURLToPath(parsed)) });
    case 'redis:':
    case 'rediss:': {
      const prefix = option('prefix');
      parsed.search = '';
      return new RedisRegistry({ url: parsed.toString(), ...(prefix === undefined ? {} : { prefix }) });
    }
    case 'nats:': {
      const bucket = option('bucket');
      return new NATSRegistry({ url: `${parsed.hostname}:${parsed.port || '4222'}`, ...(bucket === undefined ? {} : { bucket }) });
    }
    default:
      throw new RangeError(`registry URL scheme '${parsed.protocol}' is not one of memory:, file:, redis:, nats:`);
  }
}
