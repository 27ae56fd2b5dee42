/**
 * Optional backends (Redis, NATS, MessagePack, protobuf, X.509 tooling) are loaded the first time
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
 * the loaded module (for example to give it a crypto provider). A package that is missing
 * or fails to load throws an error naming it (the loader's error is its `cause`), on this
 * call and, as nothing is cached, on the next one too.
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
      let module: T;
      try {
        module = load(name) as T;
        setup?.(module);
      } catch (error) {
        throw packageFailed(name, error);
      }
      loaded = module;
    }
    return loaded;
  };
}

function packageFailed(name: string, error: unknown): Error {
  const missing = (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${name}'`);
  const why = missing ? `it is not installed (npm install ${name})` : `it failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  return new Error(`Bastion needs the package '${name}' here and ${why}`, { cause: error });
}
