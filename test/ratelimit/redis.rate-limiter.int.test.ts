// RedisRateLimiter against the real Redis on 127.0.0.1:6379 (skips with a message when it
// is not running, fails when REQUIRE_SERVICES=1). Every run uses its own key prefix.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Bastion, BastionError, Handler, MemoryRateLimitMetrics, MemoryRegistry, RateLimit, redisRateLimitModule, Service, TOKENS } from '../../src/index.js';
import type { RateLimitPolicy } from '../../src/metadata/models.js';
import { MemoryRateLimiter } from '../../src/ratelimit/memory.rate-limiter.js';
import type { RateLimiter } from '../../src/ratelimit/ratelimit.js';
import { resolveRedisRateLimiterOptions, type RedisRateLimiterOptions } from '../../src/ratelimit/redis.options.js';
import { RedisRateLimiter } from '../../src/ratelimit/redis.rate-limiter.js';
import { createTestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';

const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
const PREFIX = `bastion:rl:test:${randomUUID()}:`;
const URL = 'redis://127.0.0.1:6379';
// 1,000 scripts in flight on a loaded 2-core machine can take longer than the 500 ms default.
const SLOW_MACHINE_MS = 10_000;

function policy(overrides: Partial<RateLimitPolicy> = {}): RateLimitPolicy {
  return Object.freeze({ tokensPerInterval: 5, intervalMs: 1000, bucketSize: 5, cost: 1, key: 'global', mode: 'reject', maxWaitMs: 0, ...overrides });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function countAllowed(limiters: readonly RateLimiter[], calls: number, key: string, p: RateLimitPolicy): Promise<number> {
  const results = await Promise.all(Array.from({ length: calls }, (_, i) => (limiters[i % limiters.length] as RateLimiter).take([{ key, policy: p }])));
  return results.filter((r) => r.allowed).length;
}

describe(RedisRateLimiter.name, { skip }, () => {
  const made: RedisRateLimiter[] = [];
  const clients: Redis[] = [];
  const logger = new RecordingLogger();
  const limiter = (options: Partial<RedisRateLimiterOptions> = {}, client?: Redis) => {
    const created = new RedisRateLimiter(resolveRedisRateLimiterOptions({ url: URL, keyPrefix: PREFIX, commandTimeoutMs: SLOW_MACHINE_MS, ...options }), new MemoryRateLimiter({ maxBuckets: 100 }), logger, client);
    made.push(created);
    if (client !== undefined) clients.push(client);
    return created;
  };

  after(async () => {
    await Promise.all(made.map((l) => l.close()));
    // Clients given to a limiter belong to the caller, which closes them.
    for (const client of clients) client.disconnect();
    const admin = new Redis(URL);
    const keys = await admin.keys(`${PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  describe('.take', () => {
    // A budget of 5 per minute rather than per second: 1,000 round trips to Redis may take
    // longer than 200 ms on a loaded machine, and a refilled token would blur the count.
    describe('when 1,000 calls on one key arrive together against a budget of 5', () => {
      const five = policy({ intervalMs: 60_000 });

      it('B23: should allow exactly 5 through one instance, one atomic script per take', async () => {
        assert.equal(await countAllowed([limiter()], 1000, `one-${randomUUID()}`, five), 5);
      });

      it('B23: should allow exactly 5 in total spread over 4 instances sharing the store', async () => {
        const four = [limiter(), limiter(), limiter(), limiter()];
        await Promise.all(four.map((l) => l.ready()));
        assert.equal(await countAllowed(four, 1000, `four-${randomUUID()}`, five), 5);
      });
    });

    describe('when the class and method buckets are taken together', () => {
      it('should take from both or from neither', async () => {
        const l = limiter();
        const id = randomUUID();
        const wide = policy({ tokensPerInterval: 3, bucketSize: 3, intervalMs: 60_000 });
        const narrow = policy({ tokensPerInterval: 1, bucketSize: 1, intervalMs: 60_000 });
        const both = [{ key: `c-${id}`, policy: wide }, { key: `m-${id}`, policy: narrow }];
        assert.deepEqual(await l.take(both), { allowed: true, remaining: 0, retryAfterMs: 0 });
        const refused = await l.take(both);
        assert.equal(refused.allowed, false);
        assert.ok(refused.retryAfterMs > 59_000 && refused.retryAfterMs <= 60_000);
        assert.equal((await l.take([{ key: `c-${id}`, policy: wide }])).remaining, 1, 'the refused call took nothing from the class bucket');
      });
    });

    describe('when Redis cannot be reached (wrong port)', () => {
      it("should fall back to the local limiter with fallback 'local', still enforcing the limit", async () => {
        const l = limiter({ url: `redis://127.0.0.1:${await closedPort()}`, fallback: 'local' });
        assert.equal(await countAllowed([l], 20, 'down', policy()), 5);
        assert.ok(logger.records.some((r) => r.event === 'ratelimit_store_down' && r.fields['fallback'] === 'local'));
      });

      it("should refuse every call with 503 STORE_UNAVAILABLE with fallback 'reject'", async () => {
        const l = limiter({ url: `redis://127.0.0.1:${await closedPort()}`, fallback: 'reject' });
        const results = await Promise.allSettled(Array.from({ length: 5 }, () => l.take([{ key: 'down', policy: policy() }])));
        for (const r of results) {
          assert.equal(r.status, 'rejected');
          assert.ok(BastionError.hasId(r.reason, 'BST_ERR_RATELIMIT_STORE_UNAVAILABLE'));
          assert.equal(r.reason.code, 503);
          assert.doesNotMatch(JSON.stringify(r.reason.toWire()), /ECONNREFUSED|127\.0\.0\.1/);
        }
      });
    });

    describe('when the connection drops mid-run', () => {
      it("should switch to the local limiter with fallback 'local'", async () => {
        const client = new Redis(URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
        const l = limiter({ fallback: 'local' }, client);
        const p = policy({ tokensPerInterval: 2, bucketSize: 2, intervalMs: 60_000 });
        const key = `drop-${randomUUID()}`;
        assert.equal(await countAllowed([l], 2, key, p), 2);
        client.disconnect();
        // The local limiter starts its own count: the limit holds per process while Redis is away.
        assert.equal(await countAllowed([l], 5, key, p), 2);
      });

      it('should go back to the shared Redis budget once the connection is back', async () => {
        const client = new Redis(URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
        const l = limiter({ fallback: 'local' }, client);
        const other = limiter();
        const p = policy({ tokensPerInterval: 3, bucketSize: 3, intervalMs: 60_000 });
        const key = `back-${randomUUID()}`;
        assert.equal(await countAllowed([l], 1, key, p), 1);
        // Drop the connection and let ioredis reconnect by itself, as after a network blip.
        const back = once(client, 'ready');
        client.disconnect(true);
        assert.equal(await countAllowed([l], 1, `${key}-while-down`, p), 1);
        await back;
        assert.equal(await countAllowed([l, other], 4, key, p), 2, 'both instances share the 2 tokens left in Redis');
        assert.ok(logger.records.some((r) => r.event === 'ratelimit_store_restored'));
      });

      it("should refuse with 503 with fallback 'reject'", async () => {
        const client = new Redis(URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
        const l = limiter({ fallback: 'reject' }, client);
        assert.equal((await l.take([{ key: `drop-${randomUUID()}`, policy: policy() }])).allowed, true);
        client.disconnect();
        await assert.rejects(l.take([{ key: 'x', policy: policy() }]), (e) => BastionError.hasId(e, 'BST_ERR_RATELIMIT_STORE_UNAVAILABLE'));
      });
    });
  });
});

@Service({ name: 'orders' })
class Orders {
  @RateLimit({ tokensPerInterval: 20, interval: 'second', key: 'service' })
  @Handler()
  place(): string {
    return 'ok';
  }
}

describe('redisRateLimitModule', { skip }, () => {
  const registry = new MemoryRegistry();
  const apps: Bastion[] = [];

  before(async () => {
    const pki = await createTestPki();
    const logger = new RecordingLogger();
    const prefix = `${PREFIX}app:`;
    for (let i = 0; i < 2; i++) {
      const server = await Bastion.create({ services: [Orders], tls: await pki.tlsFor('orders'), registry, logger, modules: [redisRateLimitModule({ url: URL, keyPrefix: prefix, commandTimeoutMs: SLOW_MACHINE_MS })] });
      await server.start();
      apps.push(server);
    }
    apps.push(await Bastion.create({ tls: await pki.tlsFor('billing'), registry, registryPolicy: { allowServices: ['orders'] }, logger }));
  });

  after(async () => {
    for (const app of apps) await app.stop();
  });

  describe('when two server instances share a limit of 20 per second', () => {
    it('should let 20 (±1) of 100 calls spread over both succeed in total', async () => {
      const [a, b, caller] = apps as [Bastion, Bastion, Bastion];
      await Promise.all([a, b].map((s) => (s.container.get<RateLimiter>(TOKENS.RateLimiter) as RedisRateLimiter).ready()));
      const started = performance.now();
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => caller.client.call('orders', 'Orders.place', {})));
      // The bucket refills at 20 per second while the burst is in flight: 20 ± 1 when the
      // burst takes under 50 ms, plus one token per 50 ms it takes on a loaded machine.
      const refilled = Math.floor((performance.now() - started) / 50);
      const passed = results.filter((r) => r.status === 'fulfilled').length;
      assert.ok(passed >= 19 && passed <= 21 + refilled, `${passed} calls passed (${refilled} tokens refilled meanwhile)`);
      const served = [a, b].map((s) => s.container.get<MemoryRateLimitMetrics>(TOKENS.RateLimitMetrics).count({ endpoint: 'Orders.place' }));
      assert.ok(served.every((n) => n > 0), `both instances served calls: ${served.join(', ')}`);
      assert.equal(served[0]! + served[1]!, 100);
    });
  });
});
