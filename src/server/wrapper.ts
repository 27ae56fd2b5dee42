import type { CallContext, HandlerWrapper } from './server.js';

/** The innermost step of a chain: runs with the context and resolves with the result. */
export type Terminal<C extends CallContext> = (ctx: C) => Promise<unknown>;

/**
 * Chains wrappers around a terminal step, outermost first. Built once per endpoint at
 * boot; a wrapper that calls `next()` twice gets an error (as Hono's compose does).
 */
export function compose<C extends CallContext>(wrappers: readonly HandlerWrapper[], terminal: Terminal<C>): Terminal<C> {
  if (wrappers.length === 0) return terminal;
  return (ctx: C) => {
    let last = -1;
    const dispatch = (index: number): Promise<unknown> => {
      if (index <= last) return Promise.reject(new Error('next() called more than once in a wrapper'));
      last = index;
      const wrapper = wrappers[index];
      if (wrapper === undefined) return terminal(ctx);
      try {
        return wrapper(ctx, () => dispatch(index + 1));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}
