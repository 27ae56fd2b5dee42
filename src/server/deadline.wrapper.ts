import { rejection } from '../errors/rejection.js';
import { cancelSignalOf } from './call-signal.js';
import { holdWork, type ServedCall } from './served-call.js';
import type { CallContext, HandlerWrapper, WrapperFactory } from './server.js';
import type { CancelSignal } from '../transport/cancellation.js';

/** Settles with `work`, or rejects with the signal's reason when it aborts first. */
function race(ctx: CallContext, signal: CancelSignal, work: Promise<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    // The listener is not removed when the handler ends: the signal is this call's own and
    // never aborts after the call is answered (its timer and cancel hook are disposed), and
    // removing it cost about a fifth of this wrapper.
    signal.addEventListener('abort', () => reject(signal.reason as Error));
    // Answering at the deadline must not free the call's slot while a wrapper inside or the
    // handler still runs: the server holds this work for the transport (attack F3, round 3 A1).
    holdWork(ctx, work);
    work.then(resolve, reject);
  });
}

// The deadline itself is the call's signal (server/call-signal.ts); this wrapper only stops waiting.
const deadline: HandlerWrapper = (ctx, next) => {
  if (ctx.timeoutMs <= 0) return next();
  const signal = cancelSignalOf(ctx);
  if (signal.aborted) return rejection(signal.reason);
  return race(ctx, signal, next());
};

/**
 * Answers `408` when the caller's deadline passes before the handler finishes, and `503`
 * when the client cancels; the handler's `ctx.signal` aborts at the same moment, so it
 * can stop its own work.
 */
export function deadlineWrapper(): WrapperFactory {
  return () => deadline;
}

/** True for the wrapper `deadlineWrapper` makes. */
export function isDeadlineWrapper(wrapper: HandlerWrapper): boolean {
  return wrapper === deadline;
}

/**
 * The deadline wrapper joined with the server's last step, for an endpoint where nothing runs
 * between them (no user wrapper): the same answers, but a call whose binding and handler
 * finished synchronously has nothing left to race against the deadline, and costs no promise
 * for it. The last step records its work in `ctx.pending` exactly when it did not settle then.
 */
export function deadlineJoined(last: (ctx: ServedCall) => Promise<unknown>): (ctx: ServedCall) => Promise<unknown> {
  return (ctx) => {
    if (ctx.timeoutMs <= 0) return last(ctx);
    const signal = ctx.cancellation;
    if (signal.aborted) return rejection(signal.reason);
    const work = last(ctx);
    return ctx.pending === undefined ? work : race(ctx, signal, work);
  };
}
