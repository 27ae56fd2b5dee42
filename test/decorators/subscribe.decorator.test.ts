import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { BastionError, RateLimit, Service, Subscribe } from '../../src/index.js';
import { exploreService, exploreSubscribers } from '../../src/metadata/explorer.js';
import { SERVICE } from '../../src/metadata/keys.js';
import { getOwnMetadata } from '../../src/metadata/reflect.js';

class Event {
  @IsString()
  id!: string;
}

@Service({ name: 'audit' })
class Audit {
  @RateLimit({ tokensPerInterval: 5, interval: 'second' })
  @Subscribe('orders.created')
  @Subscribe('orders.cancelled', { durable: 'audit', queue: 'auditors', maxDeliver: 3 })
  onOrder(_event: Event): void {}
}

describe(Subscribe.name, () => {
  describe('when applied to a method of a service with no handler', () => {
    it('should record each subscription, and the service should accept a class of subscribers only', () => {
      const method = getOwnMetadata(SERVICE, Audit)?.handlers['onOrder'];
      assert.equal(method?.isHandler, false);
      assert.deepEqual(method?.subscriptions, [
        { durable: 'audit', queue: 'auditors', maxDeliver: 3, topic: 'orders.cancelled' },
        { topic: 'orders.created' },
      ]);
      assert.deepEqual(exploreService(Audit, { codec: 'application/json' }), []);
    });
  });

  describe('when the subscribers are explored', () => {
    it('should describe each topic with the DTO, rate limit and the service name as default queue group', () => {
      const found = exploreSubscribers([Audit], { codec: 'application/json' }).map((s) => ({ topic: s.topic, queue: s.queue, durable: s.durable, request: s.request, limits: s.rateLimits.length }));
      assert.deepEqual(found, [
        { topic: 'orders.cancelled', queue: 'auditors', durable: 'audit', request: Event, limits: 1 },
        { topic: 'orders.created', queue: 'audit', durable: undefined, request: Event, limits: 1 },
      ]);
    });
  });

  describe('when the topic or a name is malformed', () => {
    it('should throw BST_ERR_DECORATOR_INVALID_TARGET when the class is defined', () => {
      for (const [topic, options] of [['orders.*', {}], ['', {}], ['ok', { durable: 'a b' }], ['ok', { maxDeliver: 0 }]] as const) {
        assert.throws(
          () => {
            class Bad {
              @Subscribe(topic, options)
              on(_event: Event): void {}
            }
            return Bad;
          },
          (e: unknown) => BastionError.hasId(e, 'BST_ERR_DECORATOR_INVALID_TARGET'),
        );
      }
    });
  });
});
