import { BastionError } from '../errors/bastion-error.js';
import { classOrMethodSetting, type ClassOrMethodDecorator } from './class-or-method.js';

/** Options of `@RequireMutualTLS`. */
export interface RequireMutualTLSOptions {
  /** Service identities allowed to call: exact names, or a prefix ending in `*` (`orders-*`, `*`). */
  readonly allow?: readonly string[];
}

const PATTERN = /^(\*|[a-z0-9][a-z0-9.-]{0,62}\*?)$/;

/**
 * Lets a handler run only for a caller with a verified client certificate, and with
 * `allow` only for those identities; others get `401` or `403`.
 *
 * @example
 * ```ts
 * @RequireMutualTLS({ allow: ['greeter-client'] })
 * @Service({ name: 'greeter' })
 * class Greeter { ... }
 * ```
 * @see docs/security/mtls.md
 */
export function RequireMutualTLS(options: RequireMutualTLSOptions = {}): ClassOrMethodDecorator {
  if (options.allow !== undefined) {
    const bad = options.allow.find((name) => typeof name !== 'string' || !PATTERN.test(name));
    if (bad !== undefined || options.allow.length === 0) {
      throw new BastionError(
        'BST_ERR_DECORATOR_INVALID_TARGET',
        `@RequireMutualTLS allow list must hold service names or prefixes ending in '*' (got '${String(bad ?? '[]')}')`,
      );
    }
    return classOrMethodSetting('mutualTLS', { allow: Object.freeze([...options.allow]) });
  }
  return classOrMethodSetting('mutualTLS', {});
}
