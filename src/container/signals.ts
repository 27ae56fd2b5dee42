import type { Logger } from '../logging/logger.js';

/** The signals `handleSignals` answers with a graceful stop. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Stops the app gracefully on SIGTERM or SIGINT (deregister, stop accepting, drain, close),
 * then exits with code 0, or 1 when the stop failed. A second signal while draining exits
 * at once with code 1, as an impatient operator expects. Returns a function that removes
 * the listeners (called when the app stops some other way).
 */
export function exitOnSignals(stop: () => Promise<void>, logger: Logger): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('shutdown_forced', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutdown_signal', { signal });
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown_failed', { reason: String((error as Error)?.message ?? error) });
        process.exit(1);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, onSignal);
  };
}
