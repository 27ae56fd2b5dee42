import { BastionError } from '../errors/bastion-error.js';
import type { DtoClass } from '../metadata/models.js';
import { decoratedClass, updateHandler } from '../metadata/update.js';

/** Options of `@Handler`. */
export interface HandlerOptions {
  /** The request DTO class; by default the type of the method's parameter. */
  readonly request?: DtoClass;
}

/**
 * Makes a method an endpoint named `Class.method`. Its one parameter is the request,
 * validated against the parameter's DTO class before the method runs.
 *
 * @example
 * ```ts
 * @Handler() hello(req: HelloRequest): HelloReply { ... }
 * ```
 * @see docs/decorators.md
 */
export function Handler(options: HandlerOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    if (options.request !== undefined && typeof options.request !== 'function') {
      throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Handler on ${String(propertyKey)}: request must be a class`);
    }
    updateHandler(decoratedClass(target, propertyKey), propertyKey, (handler) => ({
      ...handler,
      isHandler: true,
      ...(options.request === undefined ? {} : { request: options.request }),
    }));
  };
}
