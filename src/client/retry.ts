import type { BastionError } from '../errors/bastion-error.js';

/** How the client retries a failed call. */
export interface RetryOptions {
  /** Retries after the first attempt, at most; 0 disables retrying. */
  readonly retries: number;
  /** Backoff before retry n is a random time up to `min(maxDelayMs, baseDelayMs × 2ⁿ⁻¹)` ("full jitter"). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * Opt-in: on a `429`, wait its `retryAfterMs` and retry, when that fits in the deadline
   * and is at most this long; 0 (default) never retries a `429`.
   */
  readonly maxRetryAfterMs: number;
}

/** Two retries, 25 ms to 1 s apart, and never a `429`. */
export const DEFAULT_RETRY_OPTIONS: RetryOptions = Object.freeze({ retries: 2, baseDelayMs: 25, maxDelayMs: 1000, maxRetryAfterMs: 0 });

/**
 * Failures that happen before the request reached a handler, so any call may be retried:
 * the node could not be dialled or did not prove its identity, its breaker is open, or it
 * is draining and refused the call unseen.
 */
const NEVER_RAN: ReadonlySet<string> = new Set([
  'BST_ERR_CLIENT_CONNECTION',
  'BST_ERR_SECURITY_SERVER_IDENTITY',
  'BST_ERR_CLIENT_CIRCUIT_OPEN',
  'BST_ERR_SERVER_SHUTTING_DOWN',
]);

/** Failures after which the handler may have run: retried only for idempotent endpoints. */
const MAYBE_RAN: ReadonlySet<number> = new Set([408, 503]);

/**
 * The delay before retrying after `error` on attempt `attempt` (1 = the first call), or
 * `undefined` when the call must not be retried. Never retried: `400`, `401`, `403`, `404`,
 * `413`, `415`, `422`, `500`, and `429` unless `maxRetryAfterMs` allows waiting for it.
 */
export function retryDelay(error: BastionError, attempt: number, idempotent: boolean, options: RetryOptions, random: () => number = Math.random): number | undefined {
  if (attempt > options.retries) return undefined;
  if (error.code === 429) {
    const wait = error.retryAfterMs;
    return wait !== undefined && options.maxRetryAfterMs > 0 && wait <= options.maxRetryAfterMs ? wait : undefined;
  }
  if (!NEVER_RAN.has(error.id) && !(idempotent && MAYBE_RAN.has(error.code))) return undefined;
  return Math.floor(random() * Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1)));
}

/** True when `error` says something about the node's health (not about the request). */
export function isNodeFailure(error: BastionError): boolean {
  return NEVER_RAN.has(error.id) ? error.id !== 'BST_ERR_SERVER_SHUTTING_DOWN' && error.id !== 'BST_ERR_CLIENT_CIRCUIT_OPEN' : error.code === 408 || error.code >= 500;
}

/** Checks retry options, throwing a RangeError naming the bad one. */
export function checkRetryOptions(options: RetryOptions): RetryOptions {
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || (value as number) < 0) throw new RangeError(`client retry.${name} must be a non-negative integer`);
  }
  return options;
}
