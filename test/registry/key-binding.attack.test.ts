// Attacks from the second registry review: a registration key used for a service it was not
// issued for (written through the API, straight into the store, or to deregister another
// service), a token dated in the future kept in the store, malleable token text, and a
// replay to a replica whose clock is behind.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import { REGISTRATION_TOKEN_KEY, type ServiceNode, type ServiceRecord } from '../../src/registry/registry.js';
import { signedRegistrationCheck } from '../../src/registry/validating/checks.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import {
  createRegistrationKeys,
  loadKeySet,
  newNonce,
  parseRegistrationToken,
  RegistrationTokenSigner,
  signRegistrationToken,
  trustedKeyEntry,
  type RegistrationKeyPair,
  type RegistrationKeySet,
  type TokenClaims,
} from '../../src/registry/validating/registration-token.js';
import { MemoryReplayCache, type ReplayCache } from '../../src/registry/validating/replay-cache.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { node, record, RecordingLogger } from './registry-fixtures.js';

const NOW = 1_800_000_000_000;
const TTL = { ttlMs: 10_000 };
const ordersKey = createRegistrationKeys('k-orders', ['orders']);
const paymentsKey = createRegistrationKeys('k-payments', ['payments']);
const billingKey = createRegistrationKeys('k-billing', ['billing-*']);
const KEY_SET: RegistrationKeySet = { ...trustedKeyEntry(ordersKey), ...trustedKeyEntry(paymentsKey), ...trustedKeyEntry(billingKey) };

function deniedFor(reason: RegExp): (e: unknown) => boolean {
  return (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED') && reason.test((e as BastionError).detail);
}

function firstNode(r: ServiceRecord): ServiceNode {
  return r.nodes[0] as ServiceNode;
}

function withToken(base: ServiceRecord, token: string): ServiceRecord {
  const target = firstNode(base);
  return { ...base, nodes: [{ ...target, metadata: { ...target.metadata, [REGISTRATION_TOKEN_KEY]: token } }] };
}

/** `base` with its one node signed by `pair` (as its `kid`) with `claims`. */
function signed(base: ServiceRecord, pair: RegistrationKeyPair, claims: Partial<TokenClaims> = {}): ServiceRecord {
  const full: TokenClaims = { alg: 'EdDSA', kid: pair.kid, iat: NOW, exp: NOW + 60_000, nonce: newNonce(), ...claims };
  return withToken(base, signRegistrationToken(base, firstNode(base), pair.privateKey, full));
}

function tokenOf(r: ServiceRecord): string {
  return firstNode(r).metadata[REGISTRATION_TOKEN_KEY] as string;
}

function nodeIds(records: readonly ServiceRecord[]): string[] {
  return records.flatMap((r) => r.nodes.map((n) => n.id)).sort();
}

describe(ValidatingRegistry.name, () => {
  let store: MemoryRegistry;
  let logger: RecordingLogger;
  let registry: ValidatingRegistry;
  let clock: number;
  const payments = record('payments', { nodes: [node('payments-1', { host: '10.0.0.9' })] });
  const rogue = record('payments', { nodes: [node('rogue-1', { host: '10.6.6.6' })] });

  function guarded(now: () => number, replayCache: ReplayCache = new MemoryReplayCache(now)): ValidatingRegistry {
    const check = signedRegistrationCheck({ keys: KEY_SET, replayCache, clockSkewMs: 5_000, now });
    return new ValidatingRegistry(store, resolveRegistryPolicy({ allowServices: ['orders', 'payments', 'billing-*', 'billing'], checks: [check] }), logger);
  }

  beforeEach(async () => {
    store = new MemoryRegistry();
    logger = new RecordingLogger();
    clock = NOW;
    registry = guarded(() => clock);
    await registry.register(signed(payments, paymentsKey), TTL);
  });

  describe('.register', () => {
    describe('when a key bound to orders signs a payments registration', () => {
      it('B26 F1: should refuse it as TokenKeyNotBound and leave payments as it was', async () => {
        await assert.rejects(registry.register(signed(rogue, ordersKey), TTL), deniedFor(/TokenKeyNotBound: key k-orders may not sign for "payments"/));
        assert.deepEqual(nodeIds(await store.getService('payments')), ['payments-1']);
      });
    });

    describe('when a key is bound to a prefix', () => {
      it('should accept the names under it and refuse the bare prefix', async () => {
        await registry.register(signed(record('billing-eu'), billingKey), TTL);
        assert.deepEqual(nodeIds(await registry.getService('billing-eu')), ['billing-eu-1']);
        await assert.rejects(registry.register(signed(record('billing'), billingKey), TTL), deniedFor(/TokenKeyNotBound/));
      });
    });
  });

  describe('.deregister', () => {
    describe('when signing is on, identity binding off, and an orders key holder removes a payments node', () => {
      it('B25 F1: should refuse it, so only a key bound to payments removes payments nodes', async () => {
        await assert.rejects(registry.deregister(signed(payments, ordersKey)), deniedFor(/TokenKeyNotBound/));
        assert.deepEqual(nodeIds(await registry.getService('payments')), ['payments-1']);
        assert.equal(logger.events('deregistration_refused').length, 1);
        await registry.deregister(signed(payments, paymentsKey));
        assert.deepEqual(await registry.getService('payments'), []);
      });
    });
  });

  describe('.getService', () => {
    describe('when an orders key holder writes a payments node straight into the store', () => {
      it('B25 F1: should drop the forged node on read and keep serving the real one', async () => {
        await store.register(signed(rogue, ordersKey), TTL);
        assert.deepEqual(nodeIds(await store.getService('payments')), ['payments-1', 'rogue-1']);
        assert.deepEqual(nodeIds(await registry.getService('payments')), ['payments-1']);
        const dropped = logger.events('registry_record_dropped');
        assert.ok(dropped.some((d) => d['node'] === 'rogue-1' && /TokenKeyNotBound/.test(String(d['reason']))));
      });
    });

    describe('when a record signed with iat a day ahead is written straight into the store', () => {
      it('B27 F1: should drop it as TokenNotYetValid, as a write would be refused', async () => {
        const dayAhead = NOW + 86_400_000;
        await store.register(signed(rogue, paymentsKey, { iat: dayAhead, exp: dayAhead + 60_000 }), TTL);
        assert.deepEqual(nodeIds(await registry.getService('payments')), ['payments-1']);
        assert.ok(logger.events('registry_record_dropped').some((d) => /TokenNotYetValid/.test(String(d['reason']))));
      });
    });
  });

  describe('.register against two replicas sharing one replay cache', () => {
    describe('when the second replica clock is 4 s behind and the token is replayed just after the first let its nonce go', () => {
      it('B28 F5: should still refuse the replay, since nonces are kept one more skew', async () => {
        let realTime = NOW;
        const shared = new MemoryReplayCache(() => realTime);
        const first = guarded(() => realTime, shared);
        const behind = guarded(() => realTime - 4_000, shared);
        const captured = signed(record('orders'), ordersKey);
        await first.register(captured, TTL);
        // exp + skew on the first replica's clock: the nonce's old lifetime has run out.
        realTime = NOW + 65_001;
        await assert.rejects(behind.register(captured, TTL), deniedFor(/ReplayDetected/));
      });
    });
  });
});

describe(loadKeySet.name, () => {
  describe('when a key set uses the shape before keys were bound to services', () => {
    it('F1: should refuse a bare public key, since it would sign for every service', () => {
      assert.throws(() => loadKeySet({ k1: ordersKey.publicKey } as unknown as RegistrationKeySet), /registration key 'k1' must be \{ publicKey, services/);
    });

    it('F1: should refuse a key without its services', () => {
      assert.throws(() => loadKeySet({ k1: { publicKey: ordersKey.publicKey } } as unknown as RegistrationKeySet), /must be \{ publicKey, services/);
    });
  });

  describe('when a key is bound to a name that could never match', () => {
    it('should refuse it at load', () => {
      assert.throws(() => loadKeySet({ k1: { publicKey: ordersKey.publicKey, services: ['Orders'] } }), /services entry 'Orders' must be a service name/);
    });
  });

  describe('when a key is bound to no service', () => {
    it('should load it and let it sign for nothing', async () => {
      const retired = createRegistrationKeys('k-retired', []);
      const check = signedRegistrationCheck({ keys: trustedKeyEntry(retired), now: () => NOW });
      const registry = new ValidatingRegistry(new MemoryRegistry(), resolveRegistryPolicy({ allowServices: ['orders'], checks: [check] }), new RecordingLogger());
      await assert.rejects(registry.register(signed(record('orders'), retired), TTL), deniedFor(/TokenKeyNotBound/));
    });
  });
});

describe(RegistrationTokenSigner.name, () => {
  describe('.sign', () => {
    describe('when the signer is told its binding and asked to sign another service', () => {
      it('F1: should refuse before anything reaches a store', () => {
        const signer = new RegistrationTokenSigner({ kid: ordersKey.kid, privateKey: ordersKey.privateKey, services: ordersKey.services });
        assert.throws(() => signer.sign(record('payments')), /registration key 'k-orders' is not bound to service 'payments'/);
        assert.ok(tokenOf(signer.sign(record('orders'))).startsWith('v1.EdDSA.k-orders.'));
      });
    });
  });
});

describe(parseRegistrationToken.name, () => {
  const base = record('orders');
  const good = tokenOf(signed(base, ordersKey));
  const parts = good.split('.');
  const respell = (index: number, text: string) => parts.map((p, i) => (i === index ? text : p)).join('.');

  describe('when a valid token is spelled another way', () => {
    it('F10: should refuse iat with a leading zero', () => {
      assert.equal(parseRegistrationToken(respell(3, `0${parts[3]}`)), 'token is malformed');
    });

    it('F10: should refuse exp above 2^53', () => {
      assert.equal(parseRegistrationToken(respell(4, '9007199254740993')), 'token is malformed');
    });

    it('F10: should refuse a signature whose last character carries stray bits', () => {
      const signature = parts[6] as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      // 64 bytes leave 4 unused bits in the last character: the next character decodes alike.
      const last = alphabet.indexOf(signature.at(-1) as string);
      const twin = `${signature.slice(0, -1)}${alphabet[last + 1]}`;
      assert.deepEqual(Buffer.from(twin, 'base64url'), Buffer.from(signature, 'base64url'));
      assert.equal(parseRegistrationToken(respell(6, twin)), 'token is malformed');
    });

    it('should parse the canonical spelling (the control case)', () => {
      const parsed = parseRegistrationToken(good);
      assert.ok(typeof parsed !== 'string');
      assert.equal(parsed.iat, NOW);
    });
  });

  describe('when a respelled token is registered', () => {
    it('F10: should refuse it as TokenMalformed', async () => {
      const registry = new ValidatingRegistry(
        new MemoryRegistry(),
        resolveRegistryPolicy({ allowServices: ['orders'], checks: [signedRegistrationCheck({ keys: KEY_SET, now: () => NOW })] }),
        new RecordingLogger(),
      );
      await assert.rejects(registry.register(withToken(base, respell(3, `00${parts[3]}`)), TTL), deniedFor(/TokenMalformed/));
    });
  });
});
