import type { HandlerWrapper, WrapperFactory } from './server.js';

// The deadline itself is the call's signal (server/call-signal.ts); this wrapper only stops waiting.
const deadline: HandlerWrapper = (ctx, next) => {
  if (ctx.timeoutMs <= 0) return next();
  const { signal } = ctx;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    next().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
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
