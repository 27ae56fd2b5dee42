import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from './server.js';

const scope = new AsyncLocalStorage<CallContext>();

/**
 * The call being served, inside a handler and anything it awaits; the client reads it so
 * a nested call carries the caller's propagated metadata (trace ids) and never outlives
 * the caller's deadline.
 */
export function currentCall(): CallContext | undefined {
  return scope.getStore();
}

/** Runs `work(ctx)` with `ctx` as the current call. */
export function withCall<C extends CallContext, T>(ctx: C, work: (ctx: C) => T): T {
  return scope.run(ctx, work, ctx);
}
