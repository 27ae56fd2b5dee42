/**
 * Optional backends (Redis, NATS, MessagePack, X.509 tooling) are loaded the first time
 * they are used, not when `bastion` is imported: together they are tens of MiB of RSS that
 * an application not using them never needs. Loading is synchronous (`require`), so
 * constructors and other synchronous APIs keep their shape. Every one of these packages
 * ships a CommonJS build that is the same module instance an `import` of it gets, except
 * msgpackr, whose instances share no state.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A function returning the package `name`, loaded on its first call; `setup` runs once on
 * the loaded module (for example to give it a crypto provider).
 *
 * @example
 * ```ts
 * const ioredis = lazyPackage<typeof import('ioredis')>('ioredis');
 * const client = new (ioredis().Redis)(url);
 * ```
 */
export function lazyPackage<T>(name: string, setup?: (loaded: T) => void): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded === undefined) {
      const module = load(name) as T;
      setup?.(module);
      loaded = module;
    }
    return loaded;
  };
}
