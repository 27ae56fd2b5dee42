/** Options of the RPC server. */
export interface ServerOptions {
  /** Address to listen on; port 0 picks a free port. */
  readonly host: string;
  readonly port: number;
  /** The host registered for callers; defaults to `host` (or 127.0.0.1 for a wildcard host). */
  readonly advertiseHost: string;
  /** Registration time-to-live; the server re-registers every third of it. */
  readonly registerTtlMs: number;
  /** How long `stop()` lets in-flight calls finish. */
  readonly drainMs: number;
  /**
   * Development aid: validate each handler result that is a DTO instance against its own
   * class-validator constraints; a failure is a `500` to the peer and an `invalid_response`
   * log line naming the fields. Off by default (it costs a validation per call).
   */
  readonly validateResponses: boolean;
}

/** Listens on loopback by default: exposing a service is a decision, not a default. */
export const DEFAULT_SERVER_OPTIONS: ServerOptions = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  advertiseHost: '127.0.0.1',
  registerTtlMs: 30_000,
  drainMs: 10_000,
  validateResponses: false,
});

/** Fills in defaults. */
export function resolveServerOptions(partial: Partial<ServerOptions> = {}): ServerOptions {
  const host = partial.host ?? DEFAULT_SERVER_OPTIONS.host;
  const wildcard = host === '0.0.0.0' || host === '::';
  const options = { ...DEFAULT_SERVER_OPTIONS, advertiseHost: wildcard ? '127.0.0.1' : host, ...partial };
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new RangeError('server port must be 0..65535');
  if (!Number.isInteger(options.registerTtlMs) || options.registerTtlMs < 1000) throw new RangeError('registerTtlMs must be at least 1000');
  if (!Number.isInteger(options.drainMs) || options.drainMs < 0) throw new RangeError('drainMs must be a non-negative integer');
  return options;
}
