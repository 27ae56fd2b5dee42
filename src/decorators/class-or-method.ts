import type { HandlerMetadata, ServiceMetadata } from '../metadata/models.js';
import { decoratedClass, updateHandler, updateService } from '../metadata/update.js';

/** A decorator usable on a class and on a method. */
export type ClassOrMethodDecorator = (target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => void;

type Setting = 'codec' | 'rateLimit' | 'mutualTLS' | 'maxInFlight' | 'wrappers';

/** Builds a decorator that writes one setting on the service record or on one handler. */
export function classOrMethodSetting<K extends Setting>(key: K, value: NonNullable<ServiceMetadata[K] & HandlerMetadata[K]>): ClassOrMethodDecorator {
  return (target, propertyKey) => {
    const cls = decoratedClass(target, propertyKey);
    if (propertyKey === undefined) updateService(cls, (service) => ({ ...service, [key]: value }));
    else updateHandler(cls, propertyKey, (handler) => ({ ...handler, [key]: value }));
  };
}
