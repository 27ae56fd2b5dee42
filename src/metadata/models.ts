import type { PeerIdentity } from '../security/security.js';
import type { HandlerWrapper } from '../server/server.js';

/** A constructor of a request or response DTO class. */
export type DtoClass<T = object> = new (...args: never[]) => T;

/** Which calls share one rate-limit bucket. */
export type RateLimitKey = 'global' | 'service' | 'endpoint' | 'peer';

/** What a key function may know about a call: the verified identity, never a header. */
export interface RateLimitCaller {
  readonly service: string;
  readonly endpoint: string;
  /** The identity proven by a verified certificate; `undefined` for an unverified peer. */
  readonly identity: PeerIdentity | undefined;
  readonly remoteAddress: string;
}

/** Builds a bucket key from the verified caller. */
export type RateLimitKeyFunction = (caller: RateLimitCaller) => string;

/** `reject` answers `429` at once; `wait` queues the call FIFO for up to `maxWaitMs`. */
export type RateLimitMode = 'reject' | 'wait';

/** What `@RateLimit` declares: a token bucket refilled by `tokensPerInterval` per `intervalMs`. */
export interface RateLimitPolicy {
  readonly tokensPerInterval: number;
  readonly intervalMs: number;
  /** Tokens the bucket holds at most (the burst); defaults to `tokensPerInterval`. */
  readonly bucketSize: number;
  /** Tokens one call takes. */
  readonly cost: number;
  readonly key: RateLimitKey | RateLimitKeyFunction;
  readonly mode: RateLimitMode;
  /** In `wait` mode, the longest a call waits for its tokens before a `429`; 0 in `reject` mode. */
  readonly maxWaitMs: number;
}

/** What `@RequireMutualTLS` declares: a verified certificate, and optionally who may call. */
export interface MutualTLSPolicy {
  /** Identities (service names) allowed to call; `undefined` allows any verified peer. */
  readonly allow?: readonly string[];
}

/** The codec a class or method selects, by content type. */
export type CodecSelection = string;

/** What `@Subscribe` declares: a topic, and how this service's replicas share its messages. */
export interface SubscriptionPolicy {
  readonly topic: string;
  /** Queue group; defaults to the service name, so replicas split the messages. */
  readonly queue?: string;
  /** Durable name: messages published while no replica runs wait for the next one. */
  readonly durable?: string;
  readonly maxDeliver?: number;
}

/** Metadata of one handler method. */
export interface HandlerMetadata {
  readonly method: string;
  /** True once `@Handler()` ran on the method; other method decorators alone do not make one. */
  readonly isHandler: boolean;
  /** The endpoint name callers use; defaults to `Class.method`. */
  readonly name?: string;
  /** Explicit request DTO; otherwise the parameter's design type is used. */
  readonly request?: DtoClass;
  readonly codec?: CodecSelection;
  readonly rateLimit?: RateLimitPolicy;
  readonly mutualTLS?: MutualTLSPolicy;
  /** Most concurrent calls (`@MaxInFlight`); beyond it calls are shed with a `503`. */
  readonly maxInFlight?: number;
  /** User wrappers (`@UseWrappers`), outermost first. */
  readonly wrappers?: readonly HandlerWrapper[];
  /** `@Idempotent()`: calling it twice has the effect of calling it once, so clients may retry it after a `503`/`408`. */
  readonly idempotent?: boolean;
  /** Topics the method handles messages of (`@Subscribe`); such a method need not be an endpoint. */
  readonly subscriptions?: readonly SubscriptionPolicy[];
}

/** The one record stored per service class. */
export interface ServiceMetadata {
  /** Undefined until `@Service` runs (it runs after the method decorators). */
  readonly name?: string;
  readonly version?: string;
  readonly codec?: CodecSelection;
  readonly rateLimit?: RateLimitPolicy;
  readonly mutualTLS?: MutualTLSPolicy;
  /** Most concurrent calls across every endpoint of the class. */
  readonly maxInFlight?: number;
  readonly wrappers?: readonly HandlerWrapper[];
  readonly handlers: Readonly<Record<string, HandlerMetadata>>;
}

/** An empty record, the starting point of every update. */
export function emptyServiceMetadata(): ServiceMetadata {
  return { handlers: {} };
}
