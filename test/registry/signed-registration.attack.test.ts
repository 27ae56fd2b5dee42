// Attacks on signed registration: missing, wrong-key, tampered, expired, future, overlong
// and replayed tokens (B27, B28), on one registry and on two replicas sharing Redis.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import { RedisRegistry } from '../../src/registry/redis.registry.js';
import { REGISTRATION_TOKEN_KEY, type ServiceRecord } from '../../src/registry/registry.js';
import { signedRegistrationCheck } from '../../src/registry/validating/checks.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { createRegistrationKeys, newNonce, RegistrationTokenSigner, signRegistrationToken, type RegistrationKeyEntry, type TokenClaims } from '../../src/registry/validating/registration-token.js';
import type { ReplayCache } from '../../src/registry/validating/replay-cache.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { nextEvent } from '../conformance/registry.conformance.js';
import { skipUnlessService } from '../fixtures/services.js';
import { runId } from './backend-fixtures.js';
import { CountingRegistry, node, record, RecordingLogger } from './registry-fixtures.js';

const NOW = 1_800_000_000_000;
const TTL = { ttlMs: 10_000 };
const keys = createRegistrationKeys('k1');
const otherKeys = createRegistrationKeys('k1');

function deniedFor(reason: RegExp): (e: unknown) => boolean {
  return (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED') && reason.test((e as BastionError).detail);
}

/** `base` with its one node carrying a token signed by `privateKey` with `claims`. */
function signed(base: ServiceRecord, claims: Partial<TokenClaims> = {}, privateKey = keys.privateKey): ServiceRecord {
  const full: TokenClaims = { alg: 'EdDSA', kid: 'k1', iat: NOW, exp: NOW + 60_000, nonce: newNonce(), ...claims };
  const target = base.nodes[0] as ServiceRecord['nodes'][number];
  const token = signRegistrationToken(base, target, privateKey, full);
  return { ...base, nodes: [{ ...target, metadata: { ...target.metadata, [REGISTRATION_TOKEN_KEY]: token } }] };
}

function guarded(inner: CountingRegistry, logger: RecordingLogger, replayCache?: ReplayCache): ValidatingRegistry {
  const check = signedRegistrationCheck({ keys: { k1: { publicKey: keys.publicKey, services: ['orders'] } }, clockSkewMs: 5_000, maxLifetimeMs: 600_000, now: () => NOW, ...(replayCache ? { replayCache } : {}) });
  return new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['orders'], checks: [check] }), logger);
}

describe(ValidatingRegistry.name, () => {
  let inner: CountingRegistry;
  let logger: RecordingLogger;
  let registry: ValidatingRegistry;
  const orders = record('orders', { nodes: [node('orders-1', { host: '10.0.0.7' })] });

  beforeEach(() => {
    inner = new CountingRegistry(new MemoryRegistry());
    logger = new RecordingLogger();
    registry = guarded(inner, logger);
  });

  describe('.register with signedRegistrationCheck', () => {
    describe('when the token claims are wrong (B27)', () => {
      const cases: [string, Partial<TokenClaims>, RegExp][] = [
        ['B27 a: no exp', { exp: undefined }, /TokenMissingClaim: exp/],
        ['B27 b: no iat', { iat: undefined }, /TokenMissingClaim: iat/],
        ['B27 c: exp 1 s in the past (beyond the skew)', { iat: NOW - 70_000, exp: NOW - 6_000 }, /TokenExpired/],
        ['B27 d: exp 10 years ahead', { exp: NOW + 10 * 365 * 86_400_000 }, /TokenLifetimeTooLong/],
        ['B27 e: iat 1 hour in the future', { iat: NOW + 3_600_000, exp: NOW + 3_660_000 }, /TokenNotYetValid/],
        ['B27 f: the none algorithm', { alg: 'none' }, /TokenAlgorithm/],
        ['B27 f: a symmetric algorithm', { alg: 'HS256' }, /TokenAlgorithm/],
      ];
      for (const [title, claims, reason] of cases) {
        it(`${title}: should refuse it with a specific reason`, async () => {
          await assert.rejects(registry.register(signed(orders, claims), TTL), deniedFor(reason));
          assert.equal(inner.writes, 0);
          assert.equal(logger.events('registration_refused').length, 1);
        });
      }

      it('B27 g: should register valid claims (the control case)', async () => {
        await registry.register(signed(orders), TTL);
        assert.equal((await registry.getService('orders')).length, 1);
      });
    });

    describe('when the token is missing, signed by another key or the record was changed', () => {
      it('should refuse each one', async () => {
        await assert.rejects(registry.register(orders, TTL), deniedFor(/TokenMissing/));
        await assert.rejects(registry.register(signed(orders, {}, otherKeys.privateKey), TTL), deniedFor(/TokenSignature/));
        await assert.rejects(registry.register(signed(orders, { kid: 'k9' }), TTL), deniedFor(/TokenUnknownKey/));
        const good = signed(orders);
        const moved = { ...good, nodes: [{ ...(good.nodes[0] as ServiceRecord['nodes'][number]), host: '10.6.6.6' }] };
        await assert.rejects(registry.register(moved, TTL), deniedFor(/TokenSignature/));
        const renamedEndpoint = { ...good, endpoints: [{ name: 'Orders.drain', request: 'X', codec: 'application/json' }] };
        await assert.rejects(registry.register(renamedEndpoint, TTL), deniedFor(/TokenSignature/));
        assert.equal(inner.writes, 0);
      });

      it('B28: should refuse signatures differing in the first byte, the last byte or the length, without throwing', async () => {
        const token = (signed(orders).nodes[0] as ServiceRecord['nodes'][number]).metadata[REGISTRATION_TOKEN_KEY] as string;
        const cut = token.lastIndexOf('.') + 1;
        const signature = Buffer.from(token.slice(cut), 'base64url');
        const first = Buffer.from(signature);
        first[0] = (first[0] as number) ^ 1;
        const last = Buffer.from(signature);
        last[63] = (last[63] as number) ^ 1;
        for (const bad of [first, last, signature.subarray(0, 63), Buffer.concat([signature, Buffer.from([0])])]) {
          const forged = { ...orders, nodes: [{ ...(orders.nodes[0] as ServiceRecord['nodes'][number]), metadata: { [REGISTRATION_TOKEN_KEY]: token.slice(0, cut) + bad.toString('base64url') } }] };
          await assert.rejects(registry.register(forged, TTL), deniedFor(/TokenSignature/));
        }
        assert.equal(inner.writes, 0);
      });
    });

    describe('when a captured registration is sent again (B28)', () => {
      it('B28 a: should refuse a replay within 1 s', async () => {
        const captured = signed(orders);
        await registry.register(captured, TTL);
        await assert.rejects(registry.register(captured, TTL), deniedFor(/ReplayDetected/));
        assert.equal(inner.writes, 1);
      });

      it('B28 b: should refuse a replay after the original instance deregistered', async () => {
        const captured = signed(orders);
        await registry.register(captured, TTL);
        await registry.deregister(signed(orders));
        assert.deepEqual(await registry.getService('orders'), []);
        await assert.rejects(registry.register(captured, TTL), deniedFor(/ReplayDetected/));
        assert.deepEqual(await registry.getService('orders'), []);
      });
    });
  });

  describe('B28 c: two registry replicas sharing one Redis', async () => {
    const skip = await skipUnlessService('Redis', '127.0.0.1', 6379, 'redis-server --port 6379');
    const prefix = runId('bastion-test-replay');
    const stores: RedisRegistry[] = [];
    after(async () => {
      for (const store of stores) {
        for (const r of await store.listServices()) await store.deregister(r);
        await store.close();
      }
    });

    it('B28 c: should refuse on the second replica a registration the first accepted', { skip }, async () => {
      const a = new RedisRegistry({ prefix });
      const b = new RedisRegistry({ prefix });
      stores.push(a, b);
      const replicaA = guarded(new CountingRegistry(a), logger, a);
      const replicaB = guarded(new CountingRegistry(b), logger, b);
      const captured = signed(orders);
      await replicaA.register(captured, TTL);
      await assert.rejects(replicaB.register(captured, TTL), deniedFor(/ReplayDetected/));
      const again = signed(orders);
      const results = await Promise.allSettled([replicaA.register(again, TTL), replicaB.register(again, TTL)]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    });
  });

  describe('.getService with signedRegistrationCheck', () => {
    describe('when records were written straight into the store', () => {
      it('should drop unsigned, badly signed and expired nodes and keep the signed one', async () => {
        const memory = new MemoryRegistry();
        const reader = guarded(new CountingRegistry(memory), logger);
        const genuine = signed(orders);
        await memory.register(genuine, TTL);
        await memory.register(record('orders', { nodes: [node('evil-1', { host: '10.6.6.6' })] }), TTL);
        await memory.register(signed(record('orders', { nodes: [node('evil-2', { host: '10.6.6.6' })] }), {}, otherKeys.privateKey), TTL);
        await memory.register(signed(record('orders', { nodes: [node('stale', { host: '10.6.6.6' })] }), { iat: NOW - 120_000, exp: NOW - 60_000 }), TTL);
        const nodes = (await reader.getService('orders')).flatMap((r) => r.nodes.map((n) => n.id));
        assert.deepEqual(nodes, ['orders-1']);
        assert.equal(logger.events('registry_record_dropped').length, 3);
      });
    });
  });

  describe('.watch with signedRegistrationCheck', () => {
    describe('when a forged node and a signed node appear in the store', () => {
      it('should report only the signed one, and its removal', async () => {
        const memory = new MemoryRegistry();
        const reader = guarded(new CountingRegistry(memory), logger);
        const watcher = reader.watch('orders');
        try {
          await sleep(400);
          await memory.register(record('orders', { nodes: [node('evil-1', { host: '10.6.6.6' })] }), TTL);
          await memory.register(signed(orders), TTL);
          const created = await nextEvent(watcher);
          assert.deepEqual([created.type, created.record.nodes.map((n) => n.id)], ['create', ['orders-1']]);
          await memory.deregister(orders);
          const deleted = await nextEvent(watcher);
          assert.deepEqual([deleted.type, deleted.record.nodes.map((n) => n.id)], ['delete', ['orders-1']]);
          assert.ok(logger.events('registry_record_dropped').some((d) => d['node'] === 'evil-1'));
        } finally {
          watcher.close();
        }
      });
    });
  });

  describe('key rotation', () => {
    describe('when a new key joins the set and the old one leaves', () => {
      it('should accept both during the overlap, then drop what only the old key signed', async () => {
        const next = createRegistrationKeys('k2');
        const memory = new MemoryRegistry();
        const checkWith = (set: Record<string, RegistrationKeyEntry>) =>
          new ValidatingRegistry(new CountingRegistry(memory), resolveRegistryPolicy({ allowServices: ['orders'], checks: [signedRegistrationCheck({ keys: set, now: () => NOW })] }), logger);
        const overlap = checkWith({ k1: { publicKey: keys.publicKey, services: ['orders'] }, k2: { publicKey: next.publicKey, services: ['orders'] } });
        await overlap.register(signed(orders), TTL);
        await overlap.register(signed(record('orders', { nodes: [node('orders-2', { host: '10.0.0.8' })] }), { kid: 'k2' }, next.privateKey), TTL);
        assert.deepEqual((await overlap.getService('orders')).flatMap((r) => r.nodes.map((n) => n.id)).sort(), ['orders-1', 'orders-2']);
        const rotated = checkWith({ k2: { publicKey: next.publicKey, services: ['orders'] } });
        assert.deepEqual((await rotated.getService('orders')).flatMap((r) => r.nodes.map((n) => n.id)), ['orders-2']);
        await assert.rejects(rotated.register(signed(orders), TTL), deniedFor(/TokenUnknownKey/));
      });
    });
  });

  describe(RegistrationTokenSigner.name, () => {
    describe('.sign', () => {
      it('should sign every registration with a fresh nonce, so re-registration is never a replay', async () => {
        const signer = new RegistrationTokenSigner({ kid: 'k1', privateKey: keys.privateKey, now: () => NOW, lifetimeMs: 60_000 });
        await registry.register(signer.sign(orders), TTL);
        await registry.register(signer.sign(orders), TTL);
        assert.equal(inner.writes, 2);
        assert.equal((await registry.getService('orders'))[0]?.nodes.length, 1);
      });
    });
  });
});
