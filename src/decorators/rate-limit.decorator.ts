import { BastionError } from '../errors/bastion-error.js';
import type { RateLimitPolicy } from '../metadata/models.js';
import { parseRateLimitOptions } from '../ratelimit/options.js';
import type { RateLimitOptions } from '../ratelimit/ratelimit.js';
import { classOrMethodSetting, type ClassOrMethodDecorator } from './class-or-method.js';

export type { RateLimitOptions };

/**
 * Limits calls with a token bucket; a call over the limit gets a `429` with the
 * milliseconds to wait, or in `wait` mode queues for its turn. On a class and a method,
 * both buckets apply: a call takes from both or from neither.
 *
 * @example
 * ```ts
 * @RateLimit({ tokensPerInterval: 10, interval: 'second' })
 * @Handler() hello(req: HelloRequest) { ... }
 * ```
 * @see docs/security/rate-limiting.md
 */
export function RateLimit(options: RateLimitOptions): ClassOrMethodDecorator {
  const policy = parseRateLimitOptions(options);
  if (Array.isArray(policy)) throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@RateLimit: ${policy.join('; ')}`);
  return classOrMethodSetting('rateLimit', policy as RateLimitPolicy);
}
