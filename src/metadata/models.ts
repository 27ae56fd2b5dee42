/** A constructor of a request or response DTO class. */
export type DtoClass<T = object> = new (...args: never[]) => T;

/** Which calls share one rate-limit bucket. */
export type RateLimitKey = 'global' | 'service' | 'endpoint' | 'peer';

/** What `@RateLimit` declares: a token bucket refilled by `tokensPerInterval` per `intervalMs`. */
export interface RateLimitPolicy {
  readonly tokensPerInterval: number;
  readonly intervalMs: number;
  /** Tokens the bucket holds at most (the burst); defaults to `tokensPerInterval`. */
  readonly bucketSize: number;
  /** Tokens one call takes. */
  readonly cost: number;
  readonly key: RateLimitKey;
}

/** What `@RequireMutualTLS` declares: a verified certificate, and optionally who may call. */
export interface MutualTLSPolicy {
  /** Identities (service names) allowed to call; `undefined` allows any verified peer. */
  readonly allow?: readonly string[];
}

/** The codec a class or method selects, by content type. */
export type CodecSelection = string;

/** Metadata of one handler method. */
export interface HandlerMetadata {
  readonly method: string;
  /** True once `@Handler()` ran on the method; other method decorators alone do not make one. */
  readonly isHandler: boolean;
  /** Explicit request DTO; otherwise the parameter's design type is used. */
  readonly request?: DtoClass;
  readonly codec?: CodecSelection;
  readonly rateLimit?: RateLimitPolicy;
  readonly mutualTLS?: MutualTLSPolicy;
}

/** The one record stored per service class. */
export interface ServiceMetadata {
  /** Undefined until `@Service` runs (it runs after the method decorators). */
  readonly name?: string;
  readonly version?: string;
  readonly codec?: CodecSelection;
  readonly rateLimit?: RateLimitPolicy;
  readonly mutualTLS?: MutualTLSPolicy;
  readonly handlers: Readonly<Record<string, HandlerMetadata>>;
}

/** An empty record, the starting point of every update. */
export function emptyServiceMetadata(): ServiceMetadata {
  return { handlers: {} };
}
