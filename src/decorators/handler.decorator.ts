import { BastionError } from '../errors/bastion-error.js';
import type { DtoClass } from '../metadata/models.js';
import { decoratedClass, updateHandler } from '../metadata/update.js';

/** Options of `@Handler`. */
export interface HandlerOptions {
  /** The request DTO class; by default the type of the method's parameter. */
  readonly request?: DtoClass;
  /** The endpoint name on the wire; defaults to `Class.method`, which a class rename or a minifier would change. */
  readonly name?: string;
}

const ENDPOINT_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;

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
    if (options.name !== undefined && (typeof options.name !== 'string' || !ENDPOINT_NAME.test(options.name))) {
      throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Handler on ${String(propertyKey)}: name must match ${ENDPOINT_NAME}`);
    }
    updateHandler(decoratedClass(target, propertyKey), propertyKey, (handler) => ({
      ...handler,
      isHandler: true,
      ...(options.request === undefined ? {} : { request: options.request }),
      ...(options.name === undefined ? {} : { name: options.name }),
    }));
  };
}
