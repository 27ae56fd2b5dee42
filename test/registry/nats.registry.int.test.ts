import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NATSRegistry } from '../../src/registry/nats.registry.js';
import { describeRegistryConformance } from '../conformance/registry.conformance.js';
import { skipUnlessService } from '../fixtures/services.js';
import { describeKilledRegistrant, describePushedWatch, useNatsBuckets } from './backend-fixtures.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');

describe(NATSRegistry.name, { skip }, () => {
  const nats = useNatsBuckets('bastion-test-registry');
  const { nextBucket } = nats;
  const bucket = nextBucket();
  nats.track(`${bucket}-killed`, `${bucket}-killed-nonces`, `${bucket}-pushed`, `${bucket}-pushed-nonces`);

  describeRegistryConformance(NATSRegistry.name, () => new NATSRegistry({ connection: nats.connection(), bucket: nextBucket(), watchIntervalMs: 50 }));

  describe('.claim', () => {
    describe('when two replicas claim one nonce at once', () => {
      it('should let exactly one of them have it', async () => {
        const name = nextBucket();
        const a = new NATSRegistry({ connection: nats.connection(), bucket: name });
        const b = new NATSRegistry({ connection: nats.connection(), bucket: name });
        await a.claim('warm-up-nonce', 1000);
        const results = await Promise.all([a.claim('nonce-1', 10_000), b.claim('nonce-1', 10_000), a.claim('nonce-1', 10_000)]);
        assert.equal(results.filter(Boolean).length, 1);
      });
    });
  });

  describePushedWatch(() => new NATSRegistry({ connection: nats.connection(), bucket: `${bucket}-pushed`, watchIntervalMs: 60_000 }));
  describeKilledRegistrant(`nats://127.0.0.1:4222?bucket=${bucket}-killed`, () => new NATSRegistry({ connection: nats.connection(), bucket: `${bucket}-killed` }));
});
