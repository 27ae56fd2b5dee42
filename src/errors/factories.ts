import { BastionError, type FieldError } from './bastion-error.js';

/** A `400`: the request failed validation; `fields` names each failing field. */
export function badRequest(fields: readonly FieldError[]): BastionError {
  return new BastionError('BST_ERR_VALIDATION_FAILED', validationDetail(fields), { fields });
}

// The paths and detail of the last 400: the same refusal, call after call, hands its encoder
// the same detail string, whose hash and comparisons are then already done.
let lastPaths: readonly string[] = [];
let lastDetail = '';

function validationDetail(fields: readonly FieldError[]): string {
  if (fields.length === lastPaths.length && fields.every((field, i) => field.path === lastPaths[i])) return lastDetail;
  const paths = fields.map((field) => field.path);
  lastDetail = `The request failed validation: ${paths.join(', ')}`;
  lastPaths = paths;
  return lastDetail;
}

/** A `401`: the caller presented no verified client certificate. */
export function unauthenticated(): BastionError {
  return new BastionError('BST_ERR_SECURITY_NO_CLIENT_CERT');
}

/** A `403`: the caller's verified identity may not call this endpoint. */
export function forbidden(identity: string): BastionError {
  return new BastionError('BST_ERR_SECURITY_PEER_NOT_ALLOWED', `The caller identity '${identity}' is not allowed`);
}

/** A `404`: no such service or endpoint on this server. */
export function notFound(endpoint: string): BastionError {
  return new BastionError('BST_ERR_SERVER_UNKNOWN_ENDPOINT', `Unknown endpoint '${endpoint}'`);
}

/** A `408`: the call deadline passed. */
export function deadlineExceeded(): BastionError {
  return new BastionError('BST_ERR_CLIENT_DEADLINE_EXCEEDED');
}

/** A `413`: a frame declared a length above the limit. */
export function frameTooLarge(limitBytes: number): BastionError {
  return new BastionError('BST_ERR_TRANSPORT_FRAME_TOO_LARGE', `The frame is larger than ${limitBytes} bytes`);
}

/**
 * A `429`: the rate limit is exceeded; retry after `retryAfterMs` milliseconds, rounded up
 * to whole seconds from one second on (HTTP's Retry-After has seconds): the caller never
 * retries too early, and a long wait's refusal is the same for a second, so peers keep it
 * encoded instead of building it for every call.
 */
export function rateLimited(retryAfterMs: number): BastionError {
  const wait = retryAfterMs >= 1000 ? Math.ceil(retryAfterMs / 1000) * 1000 : Math.max(1, Math.ceil(retryAfterMs));
  return new BastionError('BST_ERR_RATELIMIT_EXCEEDED', `Rate limit exceeded; retry after ${wait} ms`, { retryAfterMs: wait });
}

/** A `500` that tells the peer nothing about the cause. */
export function internal(cause?: unknown): BastionError {
  return new BastionError('BST_ERR_SERVER_INTERNAL', undefined, {}, cause === undefined ? undefined : { cause });
}

/** A `503`: the server is shedding load or shutting down. */
export function unavailable(detail?: string): BastionError {
  return new BastionError('BST_ERR_SERVER_OVERLOADED', detail);
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the host is not an address of this machine',
};

/**
 * A boot error: `what` (the server, the metrics endpoint) cannot listen on `host:port`.
 * Names the address and the reason, instead of Node's bare `listen EADDRINUSE` stack.
 */
export function cannotListen(what: string, host: string, port: number, error: NodeJS.ErrnoException): BastionError {
  const code = error.code ?? 'unknown';
  const reason = LISTEN_REASONS[code] ?? 'the system refused it';
  const hint = code === 'EADDRINUSE' ? '; stop the other process or choose another port' : '';
  return new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `The ${what} cannot listen on ${host}:${port}: ${reason} (${code})${hint}`, {}, { cause: error });
}

/** Turns anything thrown into a BastionError, hiding whatever is not one. */
export function toBastionError(error: unknown): BastionError {
  return BastionError.is(error) ? error : internal(error);
}

/** The outcomes a handler may report with `appError`, each with its own catalogue id. */
export type AppErrorKind = 'bad-request' | 'forbidden' | 'not-found' | 'conflict' | 'unprocessable';

const APP_ERROR_IDS = {
  'bad-request': 'BST_ERR_APP_BAD_REQUEST',
  forbidden: 'BST_ERR_APP_FORBIDDEN',
  'not-found': 'BST_ERR_APP_NOT_FOUND',
  conflict: 'BST_ERR_APP_CONFLICT',
  unprocessable: 'BST_ERR_APP_UNPROCESSABLE',
} as const;

/**
 * An application error a handler throws for its own outcome; the caller receives the same
 * id, code and `detail` (sent as written, so keep internals out of it).
 *
 * @example
 * ```ts
 * throw appError('not-found', `order ${id} does not exist`);
 * ```
 */
export function appError(kind: AppErrorKind, detail?: string): BastionError {
  return new BastionError(APP_ERROR_IDS[kind], detail);
}
