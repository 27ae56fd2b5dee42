import { BastionError } from '../errors/bastion-error.js';
import type { HandlerWrapper } from '../server/server.js';
import { decoratedClass, updateHandler, updateService } from '../metadata/update.js';
import type { ClassOrMethodDecorator } from './class-or-method.js';

/**
 * Wraps the handlers of a class or one method, go-micro's `WrapHandler` per endpoint.
 * The wrappers run after the global ones, class wrappers before method wrappers, each
 * list outermost first; stacked decorators read top to bottom, outermost first.
 *
 * @example
 * ```ts
 * @UseWrappers(audit, timing)
 * @Service({ name: 'orders' })
 * class Orders { ... }
 * ```
 * @see docs/decorators.md
 */
export function UseWrappers(...wrappers: HandlerWrapper[]): ClassOrMethodDecorator {
  if (wrappers.length === 0 || wrappers.some((w) => typeof w !== 'function')) {
    throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', '@UseWrappers: give one or more (ctx, next) functions');
  }
  return (target, propertyKey) => {
    const cls = decoratedClass(target, propertyKey);
    // Decorators apply bottom-up, so an upper decorator's wrappers go in front.
    if (propertyKey === undefined) updateService(cls, (s) => ({ ...s, wrappers: [...wrappers, ...(s.wrappers ?? [])] }));
    else updateHandler(cls, propertyKey, (h) => ({ ...h, wrappers: [...wrappers, ...(h.wrappers ?? [])] }));
  };
}
