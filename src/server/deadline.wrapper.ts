import { deadlineExceeded } from '../errors/factories.js';
import { MAX_TIMEOUT_MS } from '../transport/transport.js';
import type { HandlerWrapper, WrapperFactory } from './server.js';

const deadline: HandlerWrapper = (ctx, next) => {
  if (ctx.timeoutMs <= 0) return next();
  return new Promise((resolve, reject) => {
    // A peer's huge timeoutMs must not overflow into an immediate deadline (attack F6).
    const timer = setTimeout(() => reject(deadlineExceeded()), Math.min(ctx.timeoutMs, MAX_TIMEOUT_MS));
    next().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
};

/** Answers `408` when the caller's deadline passes before the handler finishes. */
export function deadlineWrapper(): WrapperFactory {
  return () => deadline;
}
