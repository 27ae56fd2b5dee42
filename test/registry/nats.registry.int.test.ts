import assert from 'node:assert/strict';
import { connect, type NatsConnection } from 'nats';
import { after, before, describe, it } from 'node:test';
import { NATSRegistry } from '../../src/registry/nats.registry.js';
import { describeRegistryConformance } from '../conformance/registry.conformance.js';
import { skipUnlessService } from '../fixtures/services.js';
import { describeKilledRegistrant, describePushedWatch, runId } from './backend-fixtures.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
const bucket = runId('bastion-test-registry');
const buckets: string[] = [`${bucket}-killed`, `${bucket}-killed-nonces`, `${bucket}-pushed`, `${bucket}-pushed-nonces`];
let count = 0;

function nextBucket(): string {
  const name = `${bucket}-${count++}`;
  buckets.push(name, `${name}-nonces`);
  return name;
}

describe(NATSRegistry.name, { skip }, () => {
  let connection: NatsConnection;
  before(async () => {
    connection = await connect({ servers: '127.0.0.1:4222' });
  });
  after(async () => {
    const jsm = await connection.jetstreamManager();
    for (const name of buckets) await jsm.streams.delete(`KV_${name}`).catch(() => false);
    await connection.drain();
  });

  describeRegistryConformance(NATSRegistry.name, () => new NATSRegistry({ connection, bucket: nextBucket(), watchIntervalMs: 50 }));

  describe('.claim', () => {
    describe('when two replicas claim one nonce at once', () => {
      it('should let exactly one of them have it', async () => {
        const name = nextBucket();
        const a = new NATSRegistry({ connection, bucket: name });
        const b = new NATSRegistry({ connection, bucket: name });
        await a.claim('warm-up-nonce', 1000);
        const results = await Promise.all([a.claim('nonce-1', 10_000), b.claim('nonce-1', 10_000), a.claim('nonce-1', 10_000)]);
        assert.equal(results.filter(Boolean).length, 1);
      });
    });
  });

  describePushedWatch(() => new NATSRegistry({ connection, bucket: `${bucket}-pushed`, watchIntervalMs: 60_000 }));
  describeKilledRegistrant(`nats://127.0.0.1:4222?bucket=${bucket}-killed`, () => new NATSRegistry({ connection, bucket: `${bucket}-killed` }));
});
