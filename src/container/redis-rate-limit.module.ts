import { ContainerModule } from 'inversify';
import type { Logger } from '../logging/logger.js';
import { MemoryRateLimiter } from '../ratelimit/memory.rate-limiter.js';
import type { RateLimiterOptions } from '../ratelimit/ratelimit.js';
import { resolveRedisRateLimiterOptions, type RedisRateLimiterOptions } from '../ratelimit/redis.options.js';
import { RedisRateLimiter } from '../ratelimit/redis.rate-limiter.js';
import { TOKENS } from './tokens.js';

/**
 * Replaces the in-process rate limiter with `RedisRateLimiter`, so all replicas share one
 * budget per key; with `fallback: 'local'` (the default) the in-process limiter answers
 * while Redis is down. Options are checked when the module is made.
 *
 * @example
 * ```ts
 * await Bastion.create({ services, tls, modules: [redisRateLimitModule({ url: 'redis://127.0.0.1:6379' })] });
 * ```
 * @see docs/security/rate-limiting.md
 */
export function redisRateLimitModule(options: Partial<RedisRateLimiterOptions> = {}): ContainerModule {
  const resolved = resolveRedisRateLimiterOptions(options);
  return new ContainerModule(({ rebind }) => {
    rebind(TOKENS.RateLimiter)
      .toDynamicValue((ctx) => {
        const local = new MemoryRateLimiter(ctx.get<RateLimiterOptions>(TOKENS.RateLimiterOptions));
        return new RedisRateLimiter(resolved, local, ctx.get<Logger>(TOKENS.Logger));
      })
      .inSingletonScope();
  });
}
