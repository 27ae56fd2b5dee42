import { BastionError } from '../errors/bastion-error.js';
import type { SubscriberDescriptor } from '../broker/broker.js';
import type { EndpointDescriptor, ServiceClass } from '../server/server.js';
import { SERVICE } from './keys.js';
import type { DtoClass, HandlerMetadata, MutualTLSPolicy, RateLimitPolicy, ServiceMetadata } from './models.js';
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

function covers(classPattern: string, methodPattern: string): boolean {
  if (classPattern === methodPattern || classPattern === '*') return true;
  return classPattern.endsWith('*') && methodPattern.startsWith(classPattern.slice(0, -1));
}

/**
 * The mTLS policy of an endpoint: a method may narrow the class's allow list, never widen
 * it. A bare `@RequireMutualTLS()` on a method keeps the class list; a method list with a
 * name the class list does not cover is refused, since it would let a caller the class
 * excludes in.
 */
function mutualTLSPolicy(
  onClass: MutualTLSPolicy | undefined,
  onMethod: MutualTLSPolicy | undefined,
  where: string,
): MutualTLSPolicy | undefined {
  if (onClass === undefined || onClass.allow === undefined) return onMethod ?? onClass;
  if (onMethod?.allow === undefined) return onClass;
  const classAllow = onClass.allow;
  const widening = onMethod.allow.filter((pattern) => !classAllow.some((q) => covers(q, pattern)));
  if (widening.length > 0) {
    throw invalid(`${where}: @RequireMutualTLS allows ${widening.join(', ')}, which the class allow list (${classAllow.join(', ')}) excludes; a method may only narrow it`);
  }
  return onMethod;
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
  return Object.values(service.handlers).filter((handler) => handler.isHandler).map((handler) => {
    const endpoint = handler.name ?? `${cls.name}.${handler.method}`;
    if (typeof (cls.prototype as Record<string, unknown>)[handler.method] !== 'function') {
      throw invalid(`${endpoint} is not a method`);
    }
    return Object.freeze(describe(cls, service, handler, endpoint, defaults));
  });
}

function describe(cls: ServiceClass, service: ServiceMetadata, handler: HandlerMetadata, endpoint: string, defaults: ExplorerDefaults): EndpointDescriptor {
  return {
    service: service.name as string,
    version: service.version ?? 'latest',
    endpoint,
    serviceClass: cls,
    method: handler.method,
    request: requestType(cls, handler, endpoint),
    codec: handler.codec ?? service.codec ?? defaults.codec,
    rateLimits: [service.rateLimit, handler.rateLimit].filter((p): p is RateLimitPolicy => p !== undefined),
    mutualTLS: mutualTLSPolicy(service.mutualTLS, handler.mutualTLS, endpoint),
    maxInFlight: Object.freeze({ service: service.maxInFlight, endpoint: handler.maxInFlight }),
    wrappers: [...(service.wrappers ?? []), ...(handler.wrappers ?? [])],
    idempotent: handler.idempotent === true,
  };
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

/**
 * The `@Subscribe` methods of every service class, one descriptor per topic, with the same
 * protections a handler would get (rate limits, concurrency limits, wrappers, codec, DTO).
 * The queue group defaults to the service name, so replicas split the messages.
 */
export function exploreSubscribers(classes: readonly ServiceClass[], defaults: ExplorerDefaults): SubscriberDescriptor[] {
  return classes.flatMap((cls) => {
    const service: ServiceMetadata | undefined = getOwnMetadata(SERVICE, cls);
    if (service?.name === undefined) throw invalid(`${cls.name} is not decorated with @Service()`);
    return Object.values(service.handlers).flatMap((handler) =>
      (handler.subscriptions ?? []).map((subscription) =>
        Object.freeze({
          ...describe(cls, service, handler, `${cls.name}.${handler.method}`, defaults),
          topic: subscription.topic,
          queue: subscription.queue ?? (service.name as string),
          durable: subscription.durable,
          maxDeliver: subscription.maxDeliver,
        }),
      ),
    );
  });
}
