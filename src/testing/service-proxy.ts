import type { CallOptions, Client } from '../client/client.js';
import { DEFAULT_CONTENT_TYPE } from '../codec/codecs.js';
import { exploreService } from '../metadata/explorer.js';
import type { ServiceClass } from '../server/server.js';
import type { ServiceProxy } from './testing.js';

/**
 * A typed view of `cls` whose methods call its endpoints through `client`. Only methods
 * declared with `@Handler()` exist on the proxy; the names come from the same explorer
 * the server uses, so the proxy and the server always agree on endpoint names.
 */
export function serviceProxy<T extends object>(client: Client, cls: new (...args: never[]) => T, defaults: CallOptions = {}): ServiceProxy<T> {
  const endpoints = new Map(exploreService(cls as unknown as ServiceClass, { codec: DEFAULT_CONTENT_TYPE }).map((e) => [e.method, e]));
  const methods: Record<string, unknown> = {};
  for (const [method, endpoint] of endpoints) {
    methods[method] = (request: unknown, options: CallOptions = {}) =>
      client.call(endpoint.service, endpoint.endpoint, request ?? {}, { ...defaults, ...options });
  }
  return Object.freeze(methods) as ServiceProxy<T>;
}
