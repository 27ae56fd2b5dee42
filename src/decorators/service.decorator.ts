import { injectable } from 'inversify';
import { BastionError } from '../errors/bastion-error.js';
import { updateService } from '../metadata/update.js';

/** Options of `@Service`. */
export interface ServiceOptions {
  /** The service name callers use: lowercase letters, digits, dots and hyphens, at most 63. */
  readonly name: string;
  readonly version?: string;
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9.-]{0,62}$/;

/**
 * Marks a class as a Bastion service whose `@Handler()` methods are its endpoints. The
 * class becomes injectable, so handlers can take dependencies in their constructor.
 *
 * @example
 * ```ts
 * @Service({ name: 'greeter', version: '1.0.0' })
 * class Greeter { @Handler() hello(req: HelloRequest) { ... } }
 * ```
 * @see docs/decorators.md
 */
export function Service(options: ServiceOptions): ClassDecorator {
  return (target) => {
    if (typeof options?.name !== 'string' || !SERVICE_NAME.test(options.name)) {
      throw new BastionError(
        'BST_ERR_DECORATOR_INVALID_TARGET',
        `@Service on ${target.name}: the name must match ${SERVICE_NAME} (got '${String(options?.name)}')`,
      );
    }
    updateService(target, (service) => {
      const handlers = Object.values(service.handlers);
      const orphan = handlers.find((handler) => !handler.isHandler && handler.subscriptions === undefined);
      if (orphan !== undefined) {
        throw new BastionError(
          'BST_ERR_DECORATOR_INVALID_TARGET',
          `${target.name}.${orphan.method} has a Bastion decorator but no @Handler() or @Subscribe()`,
        );
      }
      if (handlers.length === 0) {
        throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Service ${target.name} has no @Handler() or @Subscribe() method`);
      }
      return { ...service, name: options.name, version: options.version ?? 'latest' };
    });
    injectable()(target);
  };
}
