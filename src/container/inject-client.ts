import { inject } from 'inversify';
import { TOKENS } from './tokens.js';

/**
 * Injects the application's client (`TOKENS.Client`) into a service's constructor
 * parameter or property, so a handler can call other services without the service
 * depending on inversify itself. Calls made from a handler inherit the caller's remaining
 * deadline and its propagated metadata keys.
 *
 * @example
 * ```ts
 * @Service({ name: 'orders' })
 * class Orders {
 *   constructor(@InjectClient() private readonly client: Client) {}
 * }
 * ```
 * @see docs/client.md
 */
export function InjectClient(): ParameterDecorator & PropertyDecorator {
  return inject(TOKENS.Client);
}
