import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallContext } from './server.js';

const scope = new AsyncLocalStorage<CallContext>();

let keeping = false;

/**
 * From now on, calls being served keep their scope. Turned on when a server starts serving
 * and whenever the client is handed to someone (`app.client`, the `TOKENS.Client` token).
 * A client-only process never turns it on: keeping scopes turns on Node's promise hook for
 * every promise of the process (about 1.3 µs of a served call's CPU, measured).
 */
export function keepCallScopes(): void {
  keeping = true;
}

/** Whether served calls keep their scope (see `keepCallScopes`). */
export function callScopesKept(): boolean {
  return keeping;
}

/**
 * The call being served, inside a handler and anything it awaits; the client reads it so
 * a nested call carries the caller's propagated metadata (trace ids) and never outlives
 * the caller's deadline.
 */
export function currentCall(): CallContext | undefined {
  return keeping ? scope.getStore() : undefined;
}

/** Runs `work(ctx)` with `ctx` as the current call. */
export function withCall<C extends CallContext, T>(ctx: C, work: (ctx: C) => T): T {
  return keeping ? scope.run(ctx, work, ctx) : work(ctx);
}
