// Replays against the shared nonce stores (F5): the NATS nonce bucket must keep a nonce
// until its token expires, whatever the entry bucket's ttl, and a nonce bucket that would
// forget sooner is refused rather than trusted.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { Redis } from 'ioredis';
import { NATSRegistry } from '../../src/registry/nats.registry.js';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import { REGISTRATION_TOKEN_KEY } from '../../src/registry/registry.js';
import { signedRegistrationCheck } from '../../src/registry/validating/checks.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { createRegistrationKeys, RegistrationTokenSigner, trustedKeyEntry } from '../../src/registry/validating/registration-token.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { skipUnlessService } from '../fixtures/services.js';
import { runId, useNatsBuckets } from './backend-fixtures.js';
import { node, record, RecordingLogger } from './registry-fixtures.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
const redisSkip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
const keys = createRegistrationKeys('k1', ['orders']);
const signer = new RegistrationTokenSigner({ kid: keys.kid, privateKey: keys.privateKey, lifetimeMs: 60_000 });
const orders = record('orders', { nodes: [node('orders-1', { host: '10.0.0.7' })] });
const TTL = { ttlMs: 2_000 };
function guarded(store: NATSRegistry | RedisRegistry, logger: RecordingLogger): ValidatingRegistry {
  return new ValidatingRegistry(store, resolveRegistryPolicy({ allowServices: ['orders'], checks: [signedRegistrationCheck({ keys: trustedKeyEntry(keys), replayCache: store })] }), logger);
}

function denied(reason: RegExp): (e: unknown) => boolean {
  return (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED') && reason.test((e as BastionError).detail);
}

describe(NATSRegistry.name, { skip }, () => {
  const nats = useNatsBuckets('bastion-test-nonces');
  const { nextBucket } = nats;

  describe('.claim', () => {
    describe('when the entry bucket ttl (3 s) is far shorter than the token (60 s)', () => {
      it('B28 F5: should refuse the replay after the entry bucket ttl has passed', async () => {
        const store = new NATSRegistry({ connection: nats.connection(), bucket: nextBucket(), bucketTtlMs: 3_000 });
        const logger = new RecordingLogger();
        const registry = guarded(store, logger);
        const captured = signer.sign(orders);
        await registry.register(captured, TTL);
        await assert.rejects(registry.register(captured, TTL), denied(/ReplayDetected/));
        await registry.deregister(signer.sign(orders));
        // Past the entry bucket's ttl, when the nonces used to go with it.
        await sleep(4_500);
        await assert.rejects(registry.register(captured, TTL), denied(/ReplayDetected/));
      });
    });

    describe('when nonceTtlMs is shorter than a token needs', () => {
      it('B28 F5: should refuse the registration rather than keep the nonce too briefly', async () => {
        const store = new NATSRegistry({ connection: nats.connection(), bucket: nextBucket(), nonceTtlMs: 5_000 });
        const logger = new RecordingLogger();
        await assert.rejects(guarded(store, logger).register(signer.sign(orders), TTL), denied(/signed-registration: the check failed/));
        assert.ok(logger.events('registry_check_failed').some((e) => /shorter than the token needs/.test(String(e['error']))));
        assert.deepEqual(await store.getService('orders'), []);
      });
    });
  });

  describe('constructor', () => {
    describe('when the nonce bucket already exists with a shorter ttl than asked for', () => {
      it('B28 F5: should refuse to use it', async () => {
        const bucket = nextBucket();
        await nats.connection().jetstream().views.kv(`${bucket}-nonces`, { history: 1, ttl: 3_000 });
        const store = new NATSRegistry({ connection: nats.connection(), bucket });
        await assert.rejects(store.listServices(), /nonces keeps nonces 3000 ms, less than the 900000 ms asked for/);
        await assert.rejects(guarded(store, new RecordingLogger()).register(signer.sign(orders), TTL), denied(/the check failed/));
      });
    });

    describe('when nonceTtlMs is not a positive integer', () => {
      it('should refuse it', () => {
        assert.throws(() => new NATSRegistry({ connection: nats.connection(), nonceTtlMs: 0 }), /nonceTtlMs must be a positive integer/);
      });
    });
  });
});

describe(RedisRegistry.name, { skip: redisSkip }, () => {
  describe('.claim', () => {
    describe('when a signed registration is accepted', () => {
      it('B28 F5: should keep its nonce in Redis at least until exp plus the skew', async () => {
        const prefix = runId('bastion-test-nonces');
        const client = new Redis('redis://127.0.0.1:6379');
        const store = new RedisRegistry({ client, prefix });
        try {
          const captured = signer.sign(orders);
          await guarded(store, new RecordingLogger()).register(captured, TTL);
          const [, , , , exp, nonce] = (captured.nodes[0]?.metadata[REGISTRATION_TOKEN_KEY] as string).split('.');
          const remaining = await client.pttl(`${prefix}:nonce:${keys.kid}.${nonce}`);
          // Default skew 5 s: the token is refused as expired from exp + 5 s on, everywhere.
          assert.ok(Date.now() + remaining >= Number(exp) + 5_000, `nonce kept ${remaining} ms, token needs until ${Number(exp) + 5_000 - Date.now()} ms`);
          await assert.rejects(guarded(store, new RecordingLogger()).register(captured, TTL), denied(/ReplayDetected/));
        } finally {
          const found = await client.keys(`${prefix}*`);
          if (found.length > 0) await client.del(...found);
          await client.quit();
        }
      });
    });
  });
});
