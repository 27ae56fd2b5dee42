/**
 * Client calls endpoints of remote services: it selects a node, encodes the request,
 * sends it over a pooled connection that verified the server's identity, and decodes the
 * reply or rebuilds the error the server sent.
 */
import type { CallMetadata } from '../transport/transport.js';
import type { ServiceProxy } from './proxy.js';
import type { RetryOptions } from './retry.js';
import type { HealthReport } from '../server/server.js';

/** Per-call options. */
export interface CallOptions {
  /** The call fails with a `408` after this long. */
  readonly timeoutMs?: number;
  readonly metadata?: CallMetadata;
  /** Content type of the request body; defaults to the client's default codec. */
  readonly contentType?: string;
  /** Overrides the client's retry options for this call (for example `{ maxRetryAfterMs: 2000 }` to wait out a `429`). */
  readonly retry?: Partial<RetryOptions>;
}

/** One outgoing call as client wrappers see it. */
export interface ClientCall {
  readonly service: string;
  /** `Class.method`. */
  readonly endpoint: string;
  readonly request: unknown;
  readonly options: CallOptions;
  /**
   * The metadata that will be sent: a copy of `options.metadata` the client makes for each
   * call, to which a wrapper may add entries (the tracing wrapper adds `traceparent`).
   */
  readonly metadata?: Record<string, string>;
}

/**
 * A client wrapper, go-micro's `WrapClient` in `(call, next)` form: runs around node
 * selection, encoding and sending; may refuse or delay the call, or call `next()` once.
 */
export type ClientWrapper = (call: ClientCall, next: () => Promise<unknown>) => Promise<unknown>;

/** Client calls endpoints of remote services. */
export interface Client {
  readonly name: string;
  /** Calls `endpoint` (`Class.method`) of `service` and resolves with the decoded reply. */
  call<T = unknown>(service: string, endpoint: string, request: unknown, options?: CallOptions): Promise<T>;
  /** The handlers of `cls` as typed remote calls: `client.proxy(Greeter).hello({ name: 'Ada' })` (docs/client.md). */
  proxy<T extends object>(cls: new (...args: never[]) => T, defaults?: CallOptions): ServiceProxy<T>;
  /** Asks one node of `service` for its built-in health check; rejects (`503`, `408`…) when none answers serving. */
  health(service: string, options?: CallOptions): Promise<HealthReport>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

/** Default deadline of a call. */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

// Errors raised (errors/catalogue.ts): BST_ERR_CLIENT_DEADLINE_EXCEEDED, BST_ERR_CLIENT_NO_NODES,
// BST_ERR_CLIENT_CONNECTION, plus any error the server sent.
