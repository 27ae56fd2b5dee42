import { performance } from 'node:perf_hooks';
import type { ClientWrapper } from '../client/client.js';
import { BastionError } from '../errors/bastion-error.js';
import type { WrapperFactory } from '../server/server.js';
import type { BastionMetrics } from './bastion.metrics.js';

/** The outcome code of a call: 200 when it succeeded, else the error's code (500 for anything not a BastionError). */
export function outcomeCode(thrown: unknown): number {
  return BastionError.is(thrown) ? thrown.code : 500;
}

/** Runs `work` and reports its outcome code and duration in seconds, whether it resolved or threw. */
async function measured<T>(work: () => Promise<T>, report: (code: number, seconds: number) => void): Promise<T> {
  const started = performance.now();
  let code = 200;
  try {
    return await work();
  } catch (thrown) {
    code = outcomeCode(thrown);
    throw thrown;
  } finally {
    report(code, (performance.now() - started) / 1000);
  }
}

/**
 * Counts every served call by service, endpoint and outcome code, observes its duration
 * and keeps the in-flight gauge. It runs outermost, so calls the protections refuse
 * (`401`, `403`, `429`, `503`, `400`) are counted with their codes.
 */
export function metricsWrapper(metrics: BastionMetrics): WrapperFactory {
  return (endpoint) => {
    const { service, endpoint: name } = endpoint;
    return (_ctx, next) => {
      metrics.inFlight(service, name, 1);
      return measured(next, (code, seconds) => {
        metrics.inFlight(service, name, -1);
        metrics.serverCall(service, name, code, seconds);
      });
    };
  };
}

/** The client side: every call this app makes, by service, endpoint and outcome code, with its duration. */
export function metricsClientWrapper(metrics: BastionMetrics): ClientWrapper {
  return (call, next) => measured(next, (code, seconds) => metrics.clientCall(call.service, call.endpoint, code, seconds));
}
