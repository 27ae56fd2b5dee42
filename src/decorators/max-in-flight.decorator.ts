import { BastionError } from '../errors/bastion-error.js';
import { classOrMethodSetting, type ClassOrMethodDecorator } from './class-or-method.js';

/**
 * Sheds load: at most `limit` calls run at once, across every endpoint of a class or for
 * one method; a call beyond it gets `503 BST_ERR_SERVER_OVERLOADED` at once instead of
 * queueing. On a class and a method, both limits apply.
 *
 * @example
 * ```ts
 * @MaxInFlight(4)
 * @Handler() report(req: ReportRequest) { ... }
 * ```
 * @see docs/security/rate-limiting.md
 */
export function MaxInFlight(limit: number): ClassOrMethodDecorator {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) {
    throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@MaxInFlight: the limit must be a positive integer (got ${String(limit)})`);
  }
  return classOrMethodSetting('maxInFlight', limit);
}
