import { BastionError } from '../errors/bastion-error.js';
import type { RateLimitKey } from '../metadata/models.js';
import { classOrMethodSetting, type ClassOrMethodDecorator } from './class-or-method.js';

/** Options of `@RateLimit`. */
export interface RateLimitOptions {
  /** Tokens added to the bucket per interval. */
  readonly tokensPerInterval: number;
  /** The interval, in milliseconds or as a unit. */
  readonly interval: number | 'second' | 'minute' | 'hour' | 'day';
  /** Tokens the bucket holds at most (the burst); defaults to `tokensPerInterval`. */
  readonly bucketSize?: number;
  /** Tokens one call takes; defaults to 1. */
  readonly cost?: number;
  /** Who shares a bucket; defaults to `'peer'` (each verified caller identity per endpoint). */
  readonly key?: RateLimitKey;
}

const UNIT_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const KEYS: readonly RateLimitKey[] = ['global', 'service', 'endpoint', 'peer'];

function positiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * Limits calls with a token bucket; a call over the limit gets a `429` with the
 * milliseconds to wait. On a class and a method, both buckets apply.
 *
 * @example
 * ```ts
 * @RateLimit({ tokensPerInterval: 10, interval: 'second' })
 * @Handler() hello(req: HelloRequest) { ... }
 * ```
 * @see docs/rate-limiting.md
 */
export function RateLimit(options: RateLimitOptions): ClassOrMethodDecorator {
  const intervalMs = typeof options.interval === 'string' ? UNIT_MS[options.interval] : options.interval;
  const bucketSize = options.bucketSize ?? options.tokensPerInterval;
  const cost = options.cost ?? 1;
  const key = options.key ?? 'peer';
  const problems: string[] = [];
  if (!positiveInteger(options.tokensPerInterval)) problems.push('tokensPerInterval must be a positive integer');
  if (!positiveInteger(intervalMs)) problems.push('interval must be a positive integer of milliseconds or a unit');
  if (!positiveInteger(bucketSize)) problems.push('bucketSize must be a positive integer');
  if (!positiveInteger(cost)) problems.push('cost must be a positive integer');
  else if (positiveInteger(bucketSize) && cost > bucketSize) problems.push('cost must not exceed bucketSize (B21)');
  if (!KEYS.includes(key)) problems.push(`key must be one of ${KEYS.join(', ')}`);
  if (problems.length > 0) throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@RateLimit: ${problems.join('; ')}`);
  return classOrMethodSetting('rateLimit', Object.freeze({ tokensPerInterval: options.tokensPerInterval, intervalMs, bucketSize, cost, key }));
}
