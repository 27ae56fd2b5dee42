import { BastionError } from '../errors/bastion-error.js';
import { classOrMethodSetting, type ClassOrMethodDecorator } from './class-or-method.js';

const CONTENT_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/**
 * Selects the codec of a class or method by content type. Boot fails when no codec
 * for that content type is bound.
 *
 * @example
 * ```ts
 * @Codec('application/json')
 * @Service({ name: 'greeter' })
 * class Greeter { ... }
 * ```
 * @see docs/codecs.md
 */
export function Codec(contentType: string): ClassOrMethodDecorator {
  if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType)) {
    throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Codec: '${String(contentType)}' is not a content type`);
  }
  return classOrMethodSetting('codec', contentType);
}
