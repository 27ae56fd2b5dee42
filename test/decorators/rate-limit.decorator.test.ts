import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Handler, MaxInFlight, RateLimit, Service, UseWrappers, type HandlerWrapper } from '../../src/index.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { SERVICE } from '../../src/metadata/keys.js';
import { exploreService } from '../../src/metadata/explorer.js';
import type { RateLimitCaller } from '../../src/metadata/models.js';
import { getOwnMetadata } from '../../src/metadata/reflect.js';

const a: HandlerWrapper = async (_ctx, next) => next();
const b: HandlerWrapper = async (_ctx, next) => next();
const c: HandlerWrapper = async (_ctx, next) => next();
const byTrustDomain = (caller: RateLimitCaller) => caller.identity?.trustDomain ?? 'none';

const invalid = (e: unknown) => BastionError.hasId(e, 'BST_ERR_DECORATOR_INVALID_TARGET');

describe('rate-limit and load-shedding decorators', () => {
  describe('when applied to a class and its methods', () => {
    it('should write one whole ServiceMetadata record on the class', () => {
      @UseWrappers(a)
      @MaxInFlight(8)
      @RateLimit({ tokensPerInterval: 100, interval: 'minute', key: 'service' })
      @Service({ name: 'reports' })
      class Reports {
        @UseWrappers(b)
        @UseWrappers(c)
        @MaxInFlight(2)
        @RateLimit({ tokensPerInterval: 1, interval: 'second', cost: 1, key: byTrustDomain, mode: 'wait', maxWaitMs: 500 })
        @Handler()
        build(): string {
          return 'r';
        }
      }
      assert.deepEqual(getOwnMetadata(SERVICE, Reports), {
        name: 'reports',
        version: 'latest',
        rateLimit: { tokensPerInterval: 100, intervalMs: 60_000, bucketSize: 100, cost: 1, key: 'service', mode: 'reject', maxWaitMs: 0 },
        maxInFlight: 8,
        wrappers: [a],
        handlers: {
          build: {
            method: 'build',
            isHandler: true,
            rateLimit: { tokensPerInterval: 1, intervalMs: 1000, bucketSize: 1, cost: 1, key: byTrustDomain, mode: 'wait', maxWaitMs: 500 },
            maxInFlight: 2,
            wrappers: [b, c],
          },
        },
      });
      const [build] = exploreService(Reports, { codec: 'application/json' });
      assert.deepEqual(build?.rateLimits.map((p) => p.intervalMs), [60_000, 1000]);
      assert.deepEqual(build?.maxInFlight, { service: 8, endpoint: 2 });
      assert.deepEqual(build?.wrappers, [a, b, c]);
    });
  });

  describe('when @RateLimit in wait mode gives no maxWaitMs', () => {
    it('should wait at most one interval', () => {
      @Service({ name: 'w' })
      class W {
        @RateLimit({ tokensPerInterval: 5, interval: 'second', mode: 'wait' })
        @Handler()
        go(): void {}
      }
      assert.equal(getOwnMetadata(SERVICE, W)?.handlers['go']?.rateLimit?.maxWaitMs, 1000);
    });
  });

  describe('when given options that cannot be enforced', () => {
    it('should throw BST_ERR_DECORATOR_INVALID_TARGET when the class is defined', () => {
      assert.throws(() => RateLimit({ tokensPerInterval: 5, interval: 'second', mode: 'queue' as 'wait' }), invalid);
      assert.throws(() => RateLimit({ tokensPerInterval: 5, interval: 'second', mode: 'wait', maxWaitMs: 0 }), invalid);
      assert.throws(() => RateLimit({ tokensPerInterval: 5, interval: 'second', key: 'x-user-id' as 'peer' }), invalid);
      for (const limit of [0, -1, 1.5, Number.NaN]) assert.throws(() => MaxInFlight(limit), invalid);
      assert.throws(() => UseWrappers(), invalid);
      assert.throws(() => UseWrappers('audit' as unknown as HandlerWrapper), invalid);
    });
  });
});
