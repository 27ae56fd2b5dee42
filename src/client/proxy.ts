import { DEFAULT_CONTENT_TYPE } from '../codec/codecs.js';
import { exploreService } from '../metadata/explorer.js';
import type { ServiceClass } from '../server/server.js';
import type { CallOptions, Client } from './client.js';

/** The data of a value as it crosses the wire: its non-function properties. */
export type Plain<T> = T extends object ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K] } : T;

/** A handler's arguments as a caller gives them: the request (when it takes one), then call options. */
type CallArgs<A> = A extends [] ? [options?: CallOptions] : A extends [infer R, ...unknown[]] ? [request: Plain<R>, options?: CallOptions] : never;

/** One handler as a remote call. */
export type RemoteEndpoint<F> = F extends (...args: infer A) => infer R ? (...args: CallArgs<A>) => Promise<Plain<Awaited<R>>> : never;

/**
 * The handlers of a service class as methods that make remote calls, with the request and
 * reply types of each handler; no code generation. The call context a handler takes is
 * supplied by the server, so the caller passes call options in its place.
 */
export type ServiceProxy<T> = { readonly [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: RemoteEndpoint<T[K]> };

/**
 * Builds the proxy of `cls` over `client`. Service and endpoint names come from the same
 * explorer the server uses, so the two always agree; only `@Handler()` methods exist at
 * run time (calling another is a TypeError, as on any missing method).
 *
 * @example
 * ```ts
 * const greeter = app.client.proxy(Greeter);
 * const reply = await greeter.hello({ name: 'Ada' }, { timeoutMs: 500 });
 * ```
 * @see docs/client.md
 */
export function serviceProxy<T extends object>(client: Client, cls: new (...args: never[]) => T, defaults: CallOptions = {}): ServiceProxy<T> {
  const methods: Record<string, unknown> = {};
  for (const endpoint of exploreService(cls as unknown as ServiceClass, { codec: DEFAULT_CONTENT_TYPE })) {
    const takesRequest = endpoint.request !== undefined;
    methods[endpoint.method] = (...args: unknown[]) => {
      const [request, options] = takesRequest ? args : [undefined, args[0]];
      return client.call(endpoint.service, endpoint.endpoint, request, { ...defaults, ...(options as CallOptions | undefined) });
    };
  }
  return Object.freeze(methods) as ServiceProxy<T>;
}
