// The NATS broker against the real server on 127.0.0.1:4222: core subjects with queue
// groups, and JetStream durable subscriptions that survive a subscriber restart.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { Bastion, natsBrokerModule, Service, Subscribe, type MessageContext } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';
import { Inbox, OrderCreated, RUN, settle } from './broker-fixtures.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
const stream = `BT_${RUN}`;
const nats = { servers: 'nats://127.0.0.1:4222', subjectPrefix: `bt.${RUN}`, stream };

const durable = new Inbox<string>();
const plain = new Inbox<string>();
let failuresLeft = 0;
const retried = new Inbox<number>();

@Service({ name: 'ledger' })
class Ledger {
  @Subscribe('orders.kept', { durable: 'ledger' })
  onKept(event: OrderCreated): void {
    durable.push(event.id);
  }

  @Subscribe('orders.plain')
  onPlain(event: OrderCreated): void {
    plain.push(event.id);
  }

  @Subscribe('orders.flaky', { durable: 'ledger-flaky', maxDeliver: 4 })
  onFlaky(_event: OrderCreated, ctx: MessageContext): void {
    retried.push(ctx.attempt);
    if (failuresLeft-- > 0) throw new Error('database briefly down');
  }
}

@Service({ name: 'till' })
class Till {
  @Subscribe('orders.unused')
  onUnused(_event: OrderCreated): void {}
}

const create = (services: Parameters<typeof Bastion.create>[0]['services'], logger = new RecordingLogger()) =>
  Bastion.create({ services, insecure: true, logger, modules: [natsBrokerModule(nats)] });

describe('NatsBroker', { skip }, () => {
  let till: Bastion;
  let raw: NatsConnection;

  before(async () => {
    till = await create([Till]);
    await till.start();
    raw = await connect({ servers: nats.servers });
  });

  after(async () => {
    await till.stop();
    const jsm = await raw.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => false);
    await raw.drain();
  });

  describe('.subscribe', () => {
    describe('when messages are published while the durable subscriber is stopped', () => {
      it('should deliver them after it restarts', async () => {
        const first = await create([Ledger]);
        await first.start();
        await till.broker.publish('orders.kept', OrderCreated.of('before-1', 1));
        assert.deepEqual(await durable.until(1), ['before-1']);
        await first.stop();

        await till.broker.publish('orders.kept', OrderCreated.of('while-down-1', 1));
        await till.broker.publish('orders.kept', OrderCreated.of('while-down-2', 1));

        const second = await create([Ledger]);
        await second.start();
        try {
          assert.deepEqual(await durable.until(3), ['before-1', 'while-down-1', 'while-down-2']);
        } finally {
          await second.stop();
        }
      });
    });

    describe('when a durable handler fails twice and then succeeds', () => {
      it('should be redelivered by JetStream until it is acknowledged', async () => {
        failuresLeft = 2;
        const app = await create([Ledger]);
        await app.start();
        try {
          await till.broker.publish('orders.flaky', OrderCreated.of('flaky', 1));
          assert.deepEqual(await retried.until(3, 8000), [1, 2, 3]);
          await settle(300);
          assert.deepEqual(retried.items, [1, 2, 3]);
          const info = await (await raw.jetstreamManager()).consumers.info(stream, 'ledger-flaky');
          assert.equal(info.num_ack_pending, 0);
        } finally {
          await app.stop();
        }
      });
    });

    describe('when two replicas of a service subscribe to a plain topic', () => {
      it('should deliver each message to one replica only (queue group = service name)', async () => {
        const a = await create([Ledger]);
        const b = await create([Ledger]);
        await a.start();
        await b.start();
        try {
          for (let i = 0; i < 20; i++) await till.broker.publish('orders.plain', OrderCreated.of(`p-${i}`, 1));
          await plain.until(20);
          await settle(200);
          assert.equal(plain.items.length, 20);
          assert.equal(new Set(plain.items).size, 20);
        } finally {
          await a.stop();
          await b.stop();
        }
      });
    });
  });
});
