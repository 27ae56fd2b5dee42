import { BastionError } from '../errors/bastion-error.js';
import type { EndpointDescriptor, ServiceClass } from '../server/server.js';
import { SERVICE } from './keys.js';
import type { DtoClass, HandlerMetadata, RateLimitPolicy, ServiceMetadata } from './models.js';
import { getOwnMetadata, getParameterTypes, hasParameterTypes } from './reflect.js';

/** Defaults the container supplies where neither the class nor the method decides. */
export interface ExplorerDefaults {
  readonly codec: string;
}

const NOT_A_DTO: ReadonlySet<unknown> = new Set([Object, String, Number, Boolean, Array, Promise, Function, Symbol, BigInt, Map, Set, Date]);

function invalid(detail: string): BastionError {
  return new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', detail);
}

function requestType(cls: ServiceClass, handler: HandlerMetadata, where: string): DtoClass | undefined {
  if (handler.request !== undefined) return handler.request;
  const declared = (cls.prototype as Record<string, (...args: unknown[]) => unknown>)[handler.method]?.length ?? 0;
  if (declared > 0 && !hasParameterTypes(cls.prototype, handler.method)) {
    // Without emitted metadata the request would silently go unvalidated (esbuild-based runners drop it).
    throw invalid(
      `${where}: no decorator metadata was emitted; compile with tsc and "emitDecoratorMetadata": true, or name the DTO with @Handler({ request: Dto })`,
    );
  }
  const params = getParameterTypes(cls.prototype, handler.method);
  if (params.length === 0) return undefined;
  if (params.length > 2) throw invalid(`${where} takes ${params.length} parameters; a handler takes (request, context)`);
  const type = params[0];
  if (typeof type !== 'function' || NOT_A_DTO.has(type)) {
    throw invalid(
      `${where}: the request parameter must be typed by a DTO class (got ${typeof type === 'function' ? type.name : String(type)}); ` +
        'use a class with class-validator decorators, or @Handler({ request: Dto })',
    );
  }
  return type as DtoClass;
}

/**
 * Reads the metadata of one service class once, at boot, and returns one descriptor per
 * endpoint. Precedence for single-valued settings (codec, mTLS policy): method over class
 * over container default. Rate limits and concurrency limits of the class and the method
 * both apply (the method's bucket inside the class's); user wrappers merge class first.
 */
export function exploreService(cls: ServiceClass, defaults: ExplorerDefaults): EndpointDescriptor[] {
  const service: ServiceMetadata | undefined = getOwnMetadata(SERVICE, cls);
  if (service?.name === undefined) throw invalid(`${cls.name} is not decorated with @Service()`);
  return Object.values(service.handlers).map((handler) => {
    const endpoint = handler.name ?? `${cls.name}.${handler.method}`;
    if (typeof (cls.prototype as Record<string, unknown>)[handler.method] !== 'function') {
      throw invalid(`${endpoint} is not a method`);
    }
    return Object.freeze({
      service: service.name as string,
      version: service.version ?? 'latest',
      endpoint,
      serviceClass: cls,
      method: handler.method,
      request: requestType(cls, handler, endpoint),
      codec: handler.codec ?? service.codec ?? defaults.codec,
      rateLimits: [service.rateLimit, handler.rateLimit].filter((p): p is RateLimitPolicy => p !== undefined),
      mutualTLS: handler.mutualTLS ?? service.mutualTLS,
      maxInFlight: Object.freeze({ service: service.maxInFlight, endpoint: handler.maxInFlight }),
      wrappers: [...(service.wrappers ?? []), ...(handler.wrappers ?? [])],
    });
  });
}

/** Explores every service class and refuses two endpoints with the same service and name. */
export function exploreServices(classes: readonly ServiceClass[], defaults: ExplorerDefaults): EndpointDescriptor[] {
  const seen = new Set<string>();
  const endpoints: EndpointDescriptor[] = [];
  for (const cls of classes) {
    for (const endpoint of exploreService(cls, defaults)) {
      const id = `${endpoint.service}/${endpoint.endpoint}`;
      if (seen.has(id)) throw invalid(`Endpoint ${id} is declared twice`);
      seen.add(id);
      endpoints.push(endpoint);
    }
  }
  return endpoints;
}
