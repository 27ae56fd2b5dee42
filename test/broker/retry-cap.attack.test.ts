import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NatsBroker } from '../../src/broker/nats.broker.js';
import { MemoryBroker } from '../../src/broker/memory.broker.js';
import type { Broker, BrokerMessage } from '../../src/broker/broker.js';
import { skipUnlessService } from '../fixtures/services.js';

const message = (topic: string, i: number): BrokerMessage => ({
  topic,
  contentType: 'application/json',
  metadata: {},
  body: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(1000) })),
});

async function flood(broker: Broker, topic: string): Promise<number> {
  let handled = 0;
  const subscription = await broker.subscribe(
    topic,
    async () => {
      handled++;
      // What a shedding subscriber answers (@MaxInFlight 503): try again later.
      return { kind: 'retry', delayMs: 60_000 };
    },
    { maxPendingRetries: 10 },
  );
  for (let i = 0; i < 200; i++) await broker.publish(message(topic, i));
  const deadline = Date.now() + 5000;
  while (handled < 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await subscription.unsubscribe();
  return handled;
}

describe('broker retry cap (attack round 2, F4)', () => {
  describe('when a subscriber refuses a flood of messages', () => {
    it('should hold at most maxPendingRetries for a retry and drop the rest at once (memory)', async () => {
      const dropped: string[] = [];
      const broker = new MemoryBroker((_message, reason) => dropped.push(reason));
      const handled = await flood(broker, 'flood.memory');
      assert.equal(handled, 200);
      assert.equal(dropped.length, 190);
      assert.ok(dropped.every((reason) => /10 messages already wait for a retry/.test(reason)));
      await broker.close();
    });

    it('should hold at most maxPendingRetries for a retry and drop the rest at once (NATS core)', async (t) => {
      const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js');
      if (skip !== false) return t.skip(skip);
      const dropped: string[] = [];
      const broker = new NatsBroker({ subjectPrefix: `retrycap${process.pid}` }, (_message, reason) => dropped.push(reason));
      try {
        const handled = await flood(broker, 'flood.nats');
        assert.equal(handled, 200);
        assert.equal(dropped.length, 190);
      } finally {
        await broker.close();
      }
    });
  });
});
