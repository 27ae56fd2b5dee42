import { BastionError } from '../errors/bastion-error.js';
import { SERVICE } from './keys.js';
import { emptyServiceMetadata, type HandlerMetadata, type ServiceMetadata } from './models.js';
import { updateOwnMetadata } from './reflect.js';

/** The class a class or method decorator was applied to. */
export function decoratedClass(target: object, propertyKey: string | symbol | undefined): object {
  return propertyKey === undefined ? target : (target as { constructor: object }).constructor;
}

/** Applies `update` to the service record of `cls`, immutably. */
export function updateService(cls: object, update: (current: ServiceMetadata) => ServiceMetadata): void {
  updateOwnMetadata(SERVICE, cls, emptyServiceMetadata, update);
}

/** Applies `update` to the record of one handler method, creating it when absent. */
export function updateHandler(
  cls: object,
  method: string | symbol,
  update: (current: HandlerMetadata) => HandlerMetadata,
): void {
  if (typeof method !== 'string') {
    throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', 'Handlers must have string method names');
  }
  updateService(cls, (service) => {
    const current = Object.hasOwn(service.handlers, method)
      ? (service.handlers[method] as HandlerMetadata)
      : { method, isHandler: false };
    return { ...service, handlers: { ...service.handlers, [method]: update(current) } };
  });
}
