import { deadlineExceeded } from '../errors/factories.js';
import { Cancellation, type CancelSignal } from '../transport/cancellation.js';
import { MAX_TIMEOUT_MS } from '../transport/transport.js';

function expire(cancellation: Cancellation): void {
  cancellation.abort(deadlineExceeded());
}

/**
 * The clock of one call being served: `timeoutMs` is the time left when the client sent it
 * (0 = none), clamped to what a timer can hold (attack F6); `cancelled`, when given, is the
 * transport's signal that the client cancelled the call or went away. The cancellation aborts
 * with a `408` BastionError at the deadline, or with the transport's `503`.
 *
 * Nothing can abort a call while it runs synchronously (timers and the peer's cancel frame
 * wait for the next tick), so the deadline timer and the cancel listener are set up only
 * when the call goes on past its first tick (`arm`): a call answered at once costs neither.
 */
export class CallSignal {
  /** What the framework's own wrappers listen to; `signal` is its AbortSignal, built only when read. */
  readonly cancellation = new Cancellation();
  private readonly deadlineAt: number;
  private readonly cancelled: CancelSignal | undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private armed = false;

  constructor(timeoutMs: number, cancelled?: CancelSignal) {
    this.deadlineAt = timeoutMs > 0 ? performance.now() + Math.min(timeoutMs, MAX_TIMEOUT_MS) : Infinity;
    this.cancelled = cancelled;
    if (cancelled?.aborted === true) this.cancellation.abort(cancelled.reason);
  }

  /** Aborts when the deadline passes (reason: a `408` BastionError) or the client cancels or disconnects (a `503`). */
  get signal(): AbortSignal {
    return this.cancellation.signal;
  }

  /** Milliseconds left before the deadline; `Infinity` when the call has none. */
  remainingMs(): number {
    return Math.max(0, this.deadlineAt - performance.now());
  }

  /** Starts watching the deadline and the client's cancel: the call did not finish in its first tick. Idempotent. */
  arm(): void {
    if (this.armed) return;
    this.armed = true;
    const { cancellation, cancelled } = this;
    if (this.deadlineAt !== Infinity) {
      const left = this.deadlineAt - performance.now();
      // Unref'd: an open connection keeps a server alive, a pending deadline alone must not.
      if (left > 0) this.timer = setTimeout(expire, left, cancellation).unref();
      else expire(cancellation);
    }
    if (cancelled === undefined) return;
    if (cancelled.aborted) cancellation.abort(cancelled.reason);
    // Not removed at dispose: the transport's signal belongs to this call alone, and a handler
    // still running after its `408` should still learn that the client went away.
    else cancelled.addEventListener('abort', () => cancellation.abort(cancelled.reason));
  }

  /** Stops the deadline timer once the call is answered. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}

/**
 * The cheapest signal of a call for the framework's own wrappers: the call's cancellation when
 * the server built the context, else the context's `signal` (a subscriber's, a test's).
 */
export function cancelSignalOf(ctx: { readonly signal: AbortSignal }): CancelSignal {
  return ctx instanceof CallSignal ? ctx.cancellation : ctx.signal;
}
