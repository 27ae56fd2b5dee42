import { cancelSignalOf } from './call-signal.js';
import { holdWork } from './served-call.js';
import type { HandlerWrapper, WrapperFactory } from './server.js';

// The deadline itself is the call's signal (server/call-signal.ts); this wrapper only stops waiting.
const deadline: HandlerWrapper = (ctx, next) => {
  if (ctx.timeoutMs <= 0) return next();
  const signal = cancelSignalOf(ctx);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    // The listener is not removed when the handler ends: the signal is this call's own and
    // never aborts after the call is answered (its timer and cancel hook are disposed), and
    // removing it cost about a fifth of this wrapper.
    signal.addEventListener('abort', () => reject(signal.reason as Error));
    const work = next();
    // Answering at the deadline must not free the call's slot while a wrapper inside or the
    // handler still runs: the server holds this work for the transport (attack F3, round 3 A1).
    holdWork(ctx, work);
    work.then(resolve, reject);
  });
};

/**
 * Answers `408` when the caller's deadline passes before the handler finishes, and `503`
 * when the client cancels; the handler's `ctx.signal` aborts at the same moment, so it
 * can stop its own work.
 */
export function deadlineWrapper(): WrapperFactory {
  return () => deadline;
}
