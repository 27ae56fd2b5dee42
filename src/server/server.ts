/**
 * Server accepts calls for the endpoints of its services: it decodes each request, runs
 * the wrappers (identity check, rate limit, deadline, user wrappers), validates the body
 * and invokes the handler. Wrappers are go-micro's `HandlerWrapper` in Hono's
 * `(ctx, next)` form, chained only by `compose()` in `server/wrapper.ts`.
 */
import type { DtoClass, MutualTLSPolicy, RateLimitPolicy } from '../metadata/models.js';
import type { PeerInfo } from '../security/security.js';
import type { CallMetadata } from '../transport/transport.js';

/** A service class: handlers are its methods, resolved from the container. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructor parameters are injected, of any type
export type ServiceClass = new (...args: any[]) => object;

/** Everything the server needs about one endpoint, built once at boot by the explorer. */
export interface EndpointDescriptor {
  readonly service: string;
  readonly version: string;
  /** `Class.method`, as callers name it. */
  readonly endpoint: string;
  readonly serviceClass: ServiceClass;
  readonly method: string;
  /** The validated request DTO; `undefined` only for handlers that take no argument. */
  readonly request: DtoClass | undefined;
  readonly codec: string;
  /** Every `@RateLimit` that applies, class first then method; a call takes from all at once. */
  readonly rateLimits: readonly RateLimitPolicy[];
  readonly mutualTLS: MutualTLSPolicy | undefined;
  /** `@MaxInFlight` of the class (shared by its endpoints) and of the method. */
  readonly maxInFlight: EndpointMaxInFlight;
  /** `@UseWrappers` of the class, then of the method, outermost first. */
  readonly wrappers: readonly HandlerWrapper[];
  /** `@Idempotent()`: registered with the endpoint, so clients retry it after a `503` or `408`. */
  readonly idempotent?: boolean;
}

/** Concurrency limits of an endpoint; `undefined` where none is declared. */
export interface EndpointMaxInFlight {
  readonly service: number | undefined;
  readonly endpoint: number | undefined;
}

/** What wrappers and handlers know about the call being served. */
export interface CallContext {
  readonly endpoint: EndpointDescriptor;
  readonly peer: PeerInfo;
  readonly metadata: CallMetadata;
  /** Time left for the call when it arrived, in milliseconds; 0 means none. */
  readonly timeoutMs: number;
  /**
   * Aborts when the deadline passes (reason: a `408` BastionError) or the client cancels
   * the call or disconnects (a `503`); pass it to whatever the handler waits on.
   */
  readonly signal: AbortSignal;
  /** Milliseconds left before the deadline; `Infinity` when the call has none. */
  remainingMs(): number;
}

/** Runs the rest of the chain and resolves with the handler's result. */
export type Next = () => Promise<unknown>;

/** A server wrapper: may refuse the call by throwing, or call `next()` exactly once. */
export type HandlerWrapper = (ctx: CallContext, next: Next) => Promise<unknown>;

/** Builds the wrapper for one endpoint, or nothing when the endpoint does not use it. */
export type WrapperFactory = (endpoint: EndpointDescriptor) => HandlerWrapper | undefined;

/** The endpoint every served service answers health checks on; no handler may take this name. */
export const HEALTH_ENDPOINT = 'Bastion.health';

/** What a health check answers. */
export interface HealthReport {
  readonly service: string;
  /** `serving`; a draining or stopped node answers `503` or cannot be reached instead. */
  readonly status: 'serving';
}

/** Where a server listens. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

/** Server serves the endpoints of its services. */
export interface Server {
  readonly name: string;
  /** Listens and registers every service; resolves with the address actually bound. */
  start(): Promise<ServerAddress>;
  /** Deregisters, stops accepting, drains in-flight calls, closes. Safe to call twice. */
  stop(): Promise<void>;
}

// Errors raised (errors/catalogue.ts): BST_ERR_SERVER_UNKNOWN_ENDPOINT, BST_ERR_SERVER_INTERNAL,
// BST_ERR_SERVER_OVERLOADED, BST_ERR_SERVER_SHUTTING_DOWN.
