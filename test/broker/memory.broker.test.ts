import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBroker, BastionError, type BrokerMessage, type Disposition } from '../../src/index.js';
import { Inbox, settle } from './broker-fixtures.js';

const message = (topic: string, n: number): BrokerMessage => ({ topic, contentType: 'application/json', metadata: {}, body: new TextEncoder().encode(String(n)) });
const ack: Disposition = { kind: 'ack' };
const text = (m: BrokerMessage) => new TextDecoder().decode(m.body);

describe(MemoryBroker.name, () => {
  describe('.publish', () => {
    describe('when two plain subscribers listen', () => {
      it('should deliver each message to both', async () => {
        const broker = new MemoryBroker();
        const a = new Inbox<string>();
        const b = new Inbox<string>();
        await broker.subscribe('t.one', async (m) => (a.push(text(m)), ack));
        await broker.subscribe('t.one', async (m) => (b.push(text(m)), ack));
        await broker.publish(message('t.one', 1));
        assert.deepEqual(await a.until(1), ['1']);
        assert.deepEqual(await b.until(1), ['1']);
      });
    });

    describe('when two subscribers share a queue group', () => {
      it('should deliver each message to exactly one of them', async () => {
        const broker = new MemoryBroker();
        const all = new Inbox<string>();
        const seen = { a: 0, b: 0 };
        await broker.subscribe('t.q', async (m) => (seen.a++, all.push(text(m)), ack), { queue: 'workers' });
        await broker.subscribe('t.q', async (m) => (seen.b++, all.push(text(m)), ack), { queue: 'workers' });
        for (let i = 0; i < 10; i++) await broker.publish(message('t.q', i));
        await all.until(10);
        await settle(20);
        assert.equal(all.items.length, 10);
        assert.equal(seen.a + seen.b, 10);
        assert.ok(seen.a > 0 && seen.b > 0);
      });
    });

    describe('when the topic holds a wildcard or an empty token', () => {
      it('should refuse it with BST_ERR_BROKER_INVALID_MESSAGE', async () => {
        const broker = new MemoryBroker();
        for (const topic of ['orders.*', 'orders.>', 'a..b', '', 'a b']) {
          await assert.rejects(broker.publish(message(topic, 1)), (e: unknown) => BastionError.hasId(e, 'BST_ERR_BROKER_INVALID_MESSAGE'));
        }
      });
    });
  });

  describe('.subscribe', () => {
    describe('when a durable subscriber is detached while messages are published', () => {
      it('should deliver the kept messages, in order, when it subscribes again', async () => {
        const broker = new MemoryBroker();
        const first = new Inbox<string>();
        const sub = await broker.subscribe('t.d', async (m) => (first.push(text(m)), ack), { durable: 'keeper' });
        await broker.publish(message('t.d', 1));
        await first.until(1);
        await sub.unsubscribe();
        await broker.publish(message('t.d', 2));
        await broker.publish(message('t.d', 3));
        const second = new Inbox<string>();
        await broker.subscribe('t.d', async (m) => (second.push(text(m)), ack), { durable: 'keeper' });
        assert.deepEqual(await second.until(2), ['2', '3']);
      });
    });

    describe('when the handler asks for a retry', () => {
      it('should redeliver up to maxDeliver and then drop the message with a reason', async () => {
        const dropped: string[] = [];
        const broker = new MemoryBroker((_m, reason) => dropped.push(reason));
        const attempts = new Inbox<number>();
        await broker.subscribe('t.r', async (_m, d) => (attempts.push(d.attempt), { kind: 'retry', delayMs: 1 }), { maxDeliver: 3 });
        await broker.publish(message('t.r', 1));
        assert.deepEqual(await attempts.until(3), [1, 2, 3]);
        await settle(30);
        assert.deepEqual(attempts.items, [1, 2, 3]);
        assert.deepEqual(dropped, ['not handled after 3 deliveries']);
      });
    });

    describe('when the handler rejects the message', () => {
      it('should never redeliver it', async () => {
        const dropped: string[] = [];
        const broker = new MemoryBroker((_m, reason) => dropped.push(reason));
        let calls = 0;
        await broker.subscribe('t.x', async () => (calls++, { kind: 'reject', reason: 'BST_ERR_VALIDATION_FAILED' }));
        await broker.publish(message('t.x', 1));
        await settle(30);
        assert.equal(calls, 1);
        assert.deepEqual(dropped, ['BST_ERR_VALIDATION_FAILED']);
      });
    });

    describe('when the queue group name is malformed', () => {
      it('should refuse the subscription', async () => {
        const broker = new MemoryBroker();
        await assert.rejects(broker.subscribe('t.ok', async () => ack, { queue: 'a.b*' }), (e: unknown) => BastionError.hasId(e, 'BST_ERR_BROKER_INVALID_MESSAGE'));
      });
    });
  });
});
