import type { Redis } from 'ioredis';
import { lazyPackage } from '../lazy/lazy.js';
import { BastionError } from '../errors/bastion-error.js';
import type { Logger } from '../logging/logger.js';
import { checkClaim, policyShape } from './options.js';
import type { BucketClaim, RateLimiter, TakeResult } from './ratelimit.js';
import type { RedisRateLimiterOptions } from './redis.options.js';

const ioredis = lazyPackage<typeof import('ioredis')>('ioredis');

// One script per take: refill, check every bucket, debit all or none, set expiry (B23).
// Time is Redis's own, so replicas with skewed clocks still share one refill rate.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
local contents = {}
local wait = 0
for i = 1, n do
  local b = (i - 1) * 4
  local rate, interval, size, cost = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  local state = redis.call('HMGET', KEYS[i], 'c', 't')
  local content, last = tonumber(state[1]), tonumber(state[2])
  if content == nil or last == nil then content, last = size, now end
  if now > last then content = math.min(size, content + (now - last) * rate / interval) end
  contents[i] = content
  if content < cost then
    local w = math.ceil((cost - content) * interval / rate)
    if w < 1 then w = 1 end
    if w > wait then wait = w end
  end
end
local remaining = -1
for i = 1, n do
  local b = (i - 1) * 4
  local rate, interval, size, cost = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
  local content = contents[i]
  if wait == 0 then content = content - cost end
  redis.call('HSET', KEYS[i], 'c', tostring(content), 't', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((size - content) * interval / rate) + 1000)
  local whole = math.floor(content)
  if remaining < 0 or whole < remaining then remaining = whole end
end
if remaining < 0 then remaining = 0 end
if wait == 0 then return {1, remaining, 0} end
return {0, remaining, wait}
`;

type TakeReply = [number, number, number];

/**
 * RedisRateLimiter keeps the buckets in Redis so every replica of a service shares one
 * budget. Each take is one Lua script, atomic in Redis. When Redis cannot answer, it
 * follows `fallback`: count in this process with the given local limiter, or refuse with
 * `503 BST_ERR_RATELIMIT_STORE_UNAVAILABLE`. Either way it never lets a call through
 * unchecked. Buckets expire once they would be full again, so idle keys cost nothing.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly name = 'redis';
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private degraded = false;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly options: RedisRateLimiterOptions,
    private readonly fallback: RateLimiter,
    private readonly logger?: Logger,
    client?: Redis,
  ) {
    this.ownsClient = client === undefined;
    // No offline queue: while Redis is unreachable a take fails at once and the fallback
    // answers, instead of every call waiting for a reconnect.
    this.client =
      client ??
      new (ioredis().Redis)(options.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: options.commandTimeoutMs, connectTimeout: 1000 });
    this.client.on('error', (error: unknown) => this.markDown(error));
    this.client.defineCommand('bastionTake', { lua: TAKE_SCRIPT });
  }

  /** Connects on first use; resolves once connected or once the first attempt failed. */
  async ready(): Promise<void> {
    if (this.client.status === 'wait') this.connecting = this.client.connect().catch((error: unknown) => this.markDown(error));
    await this.connecting;
  }

  async take(claims: readonly BucketClaim[]): Promise<TakeResult> {
    for (const { policy } of claims) checkClaim(policy);
    const keys = claims.map(({ key, policy }) => this.options.keyPrefix + policyShape(policy) + key);
    const args = claims.flatMap(({ policy: p }) => [p.tokensPerInterval, p.intervalMs, p.bucketSize, p.cost]);
    let reply: TakeReply;
    try {
      await this.ready();
      const command = (this.client as unknown as Record<string, (...a: unknown[]) => Promise<TakeReply>>)['bastionTake'] as (...a: unknown[]) => Promise<TakeReply>;
      reply = await command.call(this.client, keys.length, ...keys, ...args);
    } catch (error) {
      this.markDown(error);
      if (this.options.fallback === 'reject') throw new BastionError('BST_ERR_RATELIMIT_STORE_UNAVAILABLE');
      return this.fallback.take(claims);
    }
    if (this.degraded) {
      this.degraded = false;
      this.logger?.info('ratelimit_store_restored', { limiter: this.name });
    }
    const [allowed, remaining, retryAfterMs] = reply;
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.disconnect();
    await this.fallback.close?.();
  }

  private markDown(error?: unknown): void {
    if (this.degraded || this.closed) return;
    this.degraded = true;
    // The reason stays in this process's log; callers only ever see the catalogue message.
    this.logger?.warn('ratelimit_store_down', { limiter: this.name, fallback: this.options.fallback, reason: String((error as Error)?.message ?? error ?? '') });
  }
}
