import { BastionError } from '../errors/bastion-error.js';
import { deadlineExceeded } from '../errors/factories.js';
import { MAX_TIMEOUT_MS } from '../transport/transport.js';

/** The abort signal and remaining time of one call being served. */
export interface CallSignal {
  /** Aborts with a BastionError: `408` when the deadline passes, `503` when the client cancels or goes away. */
  readonly signal: AbortSignal;
  /** Milliseconds left before the deadline; `Infinity` when the call has none. */
  remainingMs(): number;
  /** Stops the deadline timer once the call is answered. */
  dispose(): void;
}

/**
 * Starts the clock of one call: `timeoutMs` is the time left when the client sent it
 * (0 = none), clamped to what a timer can hold (attack F6). `cancelled`, when given, is
 * the transport's signal that the client cancelled the call or the connection closed.
 */
export function startCallSignal(timeoutMs: number, cancelled?: AbortSignal): CallSignal {
  const controller = new AbortController();
  const deadlineAt = timeoutMs > 0 ? performance.now() + Math.min(timeoutMs, MAX_TIMEOUT_MS) : Infinity;
  // Unref'd: an open connection keeps a server alive, a pending deadline alone must not.
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(deadlineExceeded()), Math.min(timeoutMs, MAX_TIMEOUT_MS)).unref() : undefined;
  const onCancel = () => controller.abort(new BastionError('BST_ERR_TRANSPORT_CLOSED', 'The client cancelled the call'));
  if (cancelled?.aborted === true) onCancel();
  else cancelled?.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    remainingMs: () => Math.max(0, deadlineAt - performance.now()),
    dispose: () => {
      clearTimeout(timer);
      cancelled?.removeEventListener('abort', onCancel);
    },
  };
}
