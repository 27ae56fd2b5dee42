import { deadlineExceeded } from '../errors/factories.js';
import type { HandlerWrapper, WrapperFactory } from './server.js';

const deadline: HandlerWrapper = (ctx, next) => {
  if (ctx.timeoutMs <= 0) return next();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(deadlineExceeded()), ctx.timeoutMs);
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
