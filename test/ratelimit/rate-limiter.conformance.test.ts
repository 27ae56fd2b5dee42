// Runs the RateLimiter conformance suite against the memory limiter and, when Redis is
// running on 127.0.0.1:6379, the Redis limiter (skips with the reason otherwise).
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';
import { resolveRedisRateLimiterOptions } from '../../src/ratelimit/redis.options.js';
import { RedisRateLimiter } from '../../src/ratelimit/redis.rate-limiter.js';
import { describeRateLimiterConformance } from '../conformance/ratelimit.conformance.js';
import { skipUnlessService } from '../fixtures/services.js';

const URL = 'redis://127.0.0.1:6379';
const PREFIX = `bastion:rl:conf:${randomUUID()}:`;
const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');

describeRateLimiterConformance(MemoryRateLimiter.name, async () => new MemoryRateLimiter({ maxBuckets: 1000 }));

describeRateLimiterConformance(
  RedisRateLimiter.name,
  async () => new RedisRateLimiter(resolveRedisRateLimiterOptions({ url: URL, keyPrefix: PREFIX, fallback: 'reject', commandTimeoutMs: 10_000 }), new MemoryRateLimiter({ maxBuckets: 10 })),
  { skip },
);

after(async () => {
  if (skip !== false) return;
  const admin = new Redis(URL);
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});
