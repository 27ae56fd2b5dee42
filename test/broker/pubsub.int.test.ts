// @Subscribe methods served by Bastion apps: validated DTO messages, metadata, rate limits,
// and publishing from another app through one shared MemoryBroker.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Bastion,
  BastionError,
  brokerModule,
  Handler,
  MemoryBroker,
  RateLimit,
  RequireMutualTLS,
  Service,
  Subscribe,
  type MessageContext,
} from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { Inbox, OrderCreated, settle } from './broker-fixtures.js';

const orders = new Inbox<{ id: string; quantity: number; isDto: boolean; trace: string | undefined; attempt: number }>();
const limited = new Inbox<string>();

@Service({ name: 'billing' })
class Billing {
  @Subscribe('orders.created')
  onOrder(event: OrderCreated, ctx: MessageContext): void {
    orders.push({ id: event.id, quantity: event.quantity, isDto: event instanceof OrderCreated, trace: ctx.metadata['trace-id'], attempt: ctx.attempt });
  }

  @RateLimit({ tokensPerInterval: 2, interval: 'second', key: 'global' })
  @Subscribe('orders.limited')
  onLimited(event: OrderCreated): void {
    limited.push(event.id);
  }
}

@Service({ name: 'shop' })
class Shop {
  @Handler()
  ping(): string {
    return 'pong';
  }
}

describe('Bastion pub/sub', () => {
  const broker = new MemoryBroker();
  const logger = new RecordingLogger();
  let billing: Bastion;
  let shop: Bastion;

  before(async () => {
    billing = await Bastion.create({ services: [Billing], insecure: true, logger, modules: [brokerModule(broker)] });
    shop = await Bastion.create({ services: [Shop], insecure: true, logger: new RecordingLogger(), modules: [brokerModule(broker)] });
    await billing.start();
    await shop.start();
  });

  after(async () => {
    await shop.stop();
    await billing.stop();
  });

  describe('.broker.publish', () => {
    describe('when another app publishes a valid DTO with metadata', () => {
      it('should reach the subscriber as a validated DTO instance with the metadata', async () => {
        await shop.broker.publish('orders.created', OrderCreated.of('o-1', 3), { metadata: { 'trace-id': 't-42' } });
        const [first] = await orders.until(1);
        assert.deepEqual(first, { id: 'o-1', quantity: 3, isDto: true, trace: 't-42', attempt: 1 });
      });
    });

    describe('when the message fails validation', () => {
      it('should be rejected before the subscriber runs, and logged', async () => {
        const before = orders.items.length;
        await shop.broker.publish('orders.created', { id: 'o-2', quantity: 'lots' });
        await shop.broker.publish('orders.created', { id: 'o-3', quantity: 2, isAdmin: true });
        await settle(50);
        assert.equal(orders.items.length, before);
        const rejected = logger.records.filter((r) => r.event === 'message_rejected');
        assert.equal(rejected.length, 2);
        assert.ok(rejected.every((r) => r.fields['id'] === 'BST_ERR_VALIDATION_FAILED'));
      });
    });

    describe('when the metadata is over the size limit', () => {
      it('should refuse to publish with BST_ERR_BROKER_INVALID_MESSAGE', async () => {
        const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
        await assert.rejects(shop.broker.publish('orders.created', OrderCreated.of('o-4', 1), { metadata }), (e: unknown) =>
          BastionError.hasId(e, 'BST_ERR_BROKER_INVALID_MESSAGE'),
        );
      });
    });

    describe('when messages arrive faster than the subscriber rate limit', () => {
      it('should delay the excess (429 means retry later) and lose none', async () => {
        for (let i = 0; i < 5; i++) await shop.broker.publish('orders.limited', OrderCreated.of(`l-${i}`, 1));
        const got = await limited.until(5, 8000);
        assert.deepEqual([...got].sort(), ['l-0', 'l-1', 'l-2', 'l-3', 'l-4']);
      });
    });
  });

  describe('.create', () => {
    describe('when a @Subscribe method requires mutual TLS', () => {
      it('should refuse to boot, since a message carries no certificate', async () => {
        @Service({ name: 'audit' })
        class Audit {
          @RequireMutualTLS()
          @Subscribe('orders.created')
          onOrder(_event: OrderCreated): void {}
        }
        await assert.rejects(Bastion.create({ services: [Audit], insecure: true, logger: new RecordingLogger() }), /cannot apply to @Subscribe/);
      });
    });
  });
});
