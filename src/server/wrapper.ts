import { rejection } from '../errors/rejection.js';
import type { CallContext, Next, WrapperFactory } from './server.js';

/** The innermost step of a chain: runs with the context and resolves with the result. */
export type Terminal<C> = (ctx: C) => Promise<unknown>;

/** A promise or any other thenable a handler or wrapper may return; `await` would wait on either. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

const valueSafe = new WeakSet<object>();

/**
 * Marks a built-in wrapper that only ever returns or awaits what `next()` returned (or returns
 * a rejection of its own), never calling a method on it: a chain of such wrappers may carry a
 * synchronous result as the value itself, and the server answers it without a promise.
 */
export function passesValues<W extends object>(wrapper: W): W {
  valueSafe.add(wrapper);
  return wrapper;
}

/** True when every wrapper was marked by `passesValues`. */
export function allPassValues(wrappers: readonly object[]): boolean {
  return wrappers.every((wrapper) => valueSafe.has(wrapper));
}

/** A wrapper over any context: server `HandlerWrapper`s and client `ClientWrapper`s alike. */
export type Wrapper<C> = (ctx: C, next: Next) => Promise<unknown>;

/**
 * Chains wrappers into one wrapper, outermost first; the last one's `next` is the
 * caller's. A wrapper that calls `next()` twice gets an error (as Hono's compose does).
 */
export function chain<C>(wrappers: readonly Wrapper<C>[]): Wrapper<C> {
  if (wrappers.length === 0) return (_ctx, next) => next();
  return (ctx: C, next: Next) => {
    let last = -1;
    const dispatch = (index: number): Promise<unknown> => {
      // A programming error: left unhandled on purpose, so a wrapper that drops the promise still hears of it.
      if (index <= last) return Promise.reject(new Error('next() called more than once in a wrapper'));
      last = index;
      const wrapper = wrappers[index];
      if (wrapper === undefined) return next();
      try {
        return wrapper(ctx, () => dispatch(index + 1));
      } catch (error) {
        return rejection(error);
      }
    };
    return dispatch(0);
  };
}

/**
 * Chains wrappers around a terminal step, outermost first. Built once per endpoint at
 * boot; a wrapper that calls `next()` twice gets an error.
 */
export function compose<C extends CallContext>(wrappers: readonly Wrapper<C>[], terminal: Terminal<C>): Terminal<C> {
  if (wrappers.length === 0) return terminal;
  const run = chain(wrappers);
  return (ctx: C) => run(ctx, () => terminal(ctx));
}

/** The factory of `@UseWrappers`: the endpoint's class and method wrappers as one wrapper. */
export function endpointWrappers(): WrapperFactory {
  return (endpoint) => (endpoint.wrappers.length === 0 ? undefined : chain(endpoint.wrappers));
}
