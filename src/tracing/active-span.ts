import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpanContext } from './tracing.js';

const active = new AsyncLocalStorage<SpanContext>();

/**
 * The span of the call being served, inside a handler (and anything it awaits); a client
 * call made from there becomes its child, so a trace follows the request across hops.
 */
export function activeSpanContext(): SpanContext | undefined {
  return active.getStore();
}

/** Runs `work` with `context` as the active span. */
export function withActiveSpan<T>(context: SpanContext, work: () => T): T {
  return active.run(context, work);
}
