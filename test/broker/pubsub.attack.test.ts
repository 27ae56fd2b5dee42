// Attacks on @Subscribe handlers: messages crafted straight onto NATS (bypassing Bastion's
// publisher) and onto a MemoryBroker. Each must be refused before the handler runs,
// terminated rather than redelivered forever, and leave Object.prototype clean.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, headers, type NatsConnection } from 'nats';
import { Bastion, brokerModule, MemoryBroker, natsBrokerModule, Service, Subscribe } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';
import { Inbox, OrderCreated, RUN, settle } from './broker-fixtures.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
const stream = `BTA_${RUN}`;
const prefix = `bta.${RUN}`;
const received = new Inbox<string>();

@Service({ name: 'vault' })
class Vault {
  @Subscribe('deposits', { durable: 'vault' })
  onDeposit(event: OrderCreated): void {
    received.push(event.id);
  }
}

const json = (value: string) => new TextEncoder().encode(value);

/** Crafted deliveries: a body and the headers an attacker chose. */
const attacks: { name: string; body: Uint8Array; contentType?: string; metadata?: string }[] = [
  { name: '__proto__ body', body: json('{"id":"a","quantity":1,"__proto__":{"polluted":1}}'), contentType: 'application/json' },
  { name: 'escaped __proto__ body', body: json('{"id":"a","quantity":1,"\\u005f_proto__":{"polluted":1}}'), contentType: 'application/json' },
  { name: 'constructor.prototype body', body: json('{"id":"a","quantity":1,"constructor":{"prototype":{"polluted":1}}}'), contentType: 'application/json' },
  { name: 'wrong types', body: json('{"id":7,"quantity":"1; DROP TABLE"}'), contentType: 'application/json' },
  { name: 'deep nesting', body: json('{"id":"a","quantity":1,"x":' + '['.repeat(5000) + ']'.repeat(5000) + '}'), contentType: 'application/json' },
  { name: 'not JSON', body: json('{"id":'), contentType: 'application/json' },
  { name: 'no content type', body: json('{"id":"a","quantity":1}') },
  { name: 'unknown content type', body: json('{"id":"a","quantity":1}'), contentType: 'application/x-evil' },
  { name: '__proto__ metadata key', body: json('{"id":"a","quantity":1}'), contentType: 'application/json', metadata: '{"__proto__":{"polluted":"1"}}' },
  { name: 'non-JSON metadata', body: json('{"id":"a","quantity":1}'), contentType: 'application/json', metadata: '{oops' },
  { name: 'non-string metadata', body: json('{"id":"a","quantity":1}'), contentType: 'application/json', metadata: '{"n":{"deep":1}}' },
  {
    name: '100 metadata keys',
    body: json('{"id":"a","quantity":1}'),
    contentType: 'application/json',
    metadata: JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v']))),
  },
];

describe('@Subscribe under attack', () => {
  describe('over JetStream', { skip }, () => {
    const logger = new RecordingLogger();
    let app: Bastion;
    let raw: NatsConnection;

    before(async () => {
      app = await Bastion.create({ services: [Vault], insecure: true, logger, modules: [natsBrokerModule({ subjectPrefix: prefix, stream })] });
      await app.start();
      raw = await connect({ servers: 'nats://127.0.0.1:4222' });
    });

    after(async () => {
      await app.stop();
      await (await raw.jetstreamManager()).streams.delete(stream).catch(() => false);
      await raw.drain();
    });

    describe('when crafted messages are published straight onto the subject', () => {
      it('should reject each once, never run the handler, never redeliver, and pollute nothing', async () => {
        const js = raw.jetstream();
        for (const attack of attacks) {
          const hdrs = headers();
          if (attack.contentType !== undefined) hdrs.set('Bastion-Content-Type', attack.contentType);
          if (attack.metadata !== undefined) hdrs.set('Bastion-Metadata', attack.metadata);
          await js.publish(`${prefix}.deposits`, attack.body, { headers: hdrs });
        }
        await js.publish(`${prefix}.deposits`, json('{"id":"honest","quantity":2}'), { headers: (() => { const h = headers(); h.set('Bastion-Content-Type', 'application/json'); return h; })() });
        assert.deepEqual(await received.until(1), ['honest']);
        await settle(500);
        assert.deepEqual(received.items, ['honest']);
        const rejected = logger.records.filter((r) => r.event === 'message_rejected');
        assert.equal(rejected.length, attacks.length, rejected.map((r) => `${String(r.fields['id'])}`).join(', '));
        const info = await (await raw.jetstreamManager()).consumers.info(stream, 'vault');
        assert.equal(info.num_ack_pending, 0);
        assert.equal(info.num_redelivered, 0);
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
        assert.deepEqual(Object.keys(Object.prototype), []);
      });
    });
  });

  describe('over a MemoryBroker', () => {
    describe('when a crafted message object is published straight into the broker', () => {
      it('should reject it before the handler runs', async () => {
        const broker = new MemoryBroker();
        const logger = new RecordingLogger();
        @Service({ name: 'safe' })
        class Safe {
          calls = 0;
          @Subscribe('deposits')
          onDeposit(_event: OrderCreated): void {
            this.calls++;
          }
        }
        const app = await Bastion.create({ services: [Safe], insecure: true, logger, modules: [brokerModule(broker)] });
        await app.start();
        try {
          const metadata = JSON.parse('{"__proto__":{"polluted":"1"}}') as Record<string, string>;
          await broker.publish({ topic: 'deposits', contentType: 'application/json', metadata, body: json('{"id":"a","quantity":1}') });
          await broker.publish({ topic: 'deposits', contentType: 'application/json', metadata: {}, body: json('{"id":"a","quantity":1,"__proto__":{"polluted":1}}') });
          await settle(50);
          assert.equal(app.container.get(Safe).calls, 0);
          assert.equal(logger.records.filter((r) => r.event === 'message_rejected').length, 2);
          assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
        } finally {
          await app.stop();
        }
      });
    });
  });
});
