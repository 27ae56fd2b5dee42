// Attacks on the ValidatingRegistry: rogue names, hostile metadata, records forged
// straight into the store, and deregistrations of entries the caller does not hold.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import type { ServiceRecord } from '../../src/registry/registry.js';
import { resolveRegistryPolicy } from '../../src/registry/validating/policy.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { identityBindingCheck, requiredMetadataCheck, sourceAddressCheck } from '../../src/registry/validating/checks.js';
import { CountingRegistry, node, record, RecordingLogger } from './registry-fixtures.js';

const TTL = { ttlMs: 10_000 };
const isDenied = (e: unknown) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED');

function deepObject(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { nested: value };
  return value;
}

describe(ValidatingRegistry.name, () => {
  let memory: MemoryRegistry;
  let inner: CountingRegistry;
  let logger: RecordingLogger;
  let registry: ValidatingRegistry;
  let payments: ServiceRecord;

  beforeEach(async () => {
    memory = new MemoryRegistry();
    inner = new CountingRegistry(memory);
    logger = new RecordingLogger();
    registry = new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['inventory', 'payments'] }), logger);
    payments = record('payments', { nodes: [node('payments-1', { host: '10.0.0.9' })] });
    await registry.register(payments, TTL);
    inner.writes = 0;
  });

  describe('.register', () => {
    describe('when a registrant claims a name it is not allowed', () => {
      const names: [string, string][] = [
        ['a', 'payments'],
        ['b', 'payments '],
        ['c', 'Payments'],
        ['d', 'payments.v2'],
        ['e', 'p'.repeat(300)],
        ['f', '../payments'],
        ['g', 'p\u0430yments'],
      ];
      for (const [id, name] of names) {
        it(`B26 ${id}: should refuse ${JSON.stringify(name.slice(0, 20))} for an inventory-only allowlist and leave payments unchanged`, async () => {
          const inventoryOnly = new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['inventory'] }), logger);
          await assert.rejects(inventoryOnly.register(record(name, { nodes: [node('rogue', { host: '10.6.6.6' })] }), TTL), isDenied);
          assert.equal(inner.writes, 0);
          assert.deepEqual(await registry.getService('payments'), [payments]);
          assert.equal(logger.events('registration_refused').length, 1);
        });
      }

      it('B26: should refuse every variant that is not exactly an allowed name, even when payments is allowed', async () => {
        for (const [, name] of names.slice(1)) {
          await assert.rejects(registry.register(record(name), TTL), isDenied, name);
        }
        assert.equal(inner.writes, 0);
        assert.deepEqual(await registry.getService('payments'), [payments]);
      });
    });

    describe('when the metadata is oversized or not plain strings', () => {
      const cases: [string, Record<string, unknown>, RegExp, Record<string, number>?][] = [
        ['B30 a: 100 KB of metadata', Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'x'.repeat(250)])), /maxMetadataKeys is 32/],
        ['B30 a: 100 KB within the key and length limits', Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, 'x'.repeat(250)])), /exceeds maxMetadataBytes \(4096\) at key "k16"/, { maxMetadataKeys: 1000 }],
        ['B30 b: 10,000 keys', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 'v'])), /has 10000 keys; maxMetadataKeys is 32/],
        ['B30 c: a BigInt value', { size: 10n }, /key "size" must have a string value, got bigint/],
        ['B30 c: a function value', { run: () => 'pwned' }, /key "run" must have a string value, got function/],
        ['B30 c: an object nested 100 levels', { deep: deepObject(100) }, /key "deep" must have a string value, got object/],
        ['B30 c: a number value', { port: 80 }, /key "port" must have a string value, got number/],
        ['B30 d: a __proto__ key', JSON.parse('{"__proto__": {"isAdmin": "true"}}') as Record<string, unknown>, /key "__proto__" is forbidden/],
        ['B30 d: a constructor key', { constructor: 'x' }, /key "constructor" is forbidden/],
        ['B30 e: a 256-character value', { note: 'n'.repeat(256) }, /key "note" value is 256 characters; maxMetadataValueLength is 255/],
      ];
      for (const [title, metadata, reason, limits] of cases) {
        it(`${title}: should refuse it before the inner registry, naming the key or limit`, async () => {
          const guarded = limits === undefined ? registry : new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['inventory', 'payments'], ...limits }), logger);
          for (const where of ['record', 'node'] as const) {
            const sent = where === 'record' ? record('inventory', { metadata } as Partial<ServiceRecord>) : record('inventory', { nodes: [{ ...node('i1'), metadata } as never] });
            await assert.rejects(guarded.register(sent, TTL), (e) => isDenied(e) && reason.test((e as BastionError).detail));
          }
          assert.equal(inner.writes, 0);
          assert.deepEqual(await memory.listServices(), [payments]);
          assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
        });
      }

      it('B30 e: should accept a value of exactly 255 characters', async () => {
        await registry.register(record('inventory', { metadata: { note: 'n'.repeat(255) } }), TTL);
        assert.equal(inner.writes, 1);
      });

      it('B30: should refuse metadata that is not a plain object', async () => {
        for (const metadata of [null, ['a'], new Map([['a', 'b']]), 'a=b']) {
          await assert.rejects(registry.register(record('inventory', { metadata } as unknown as Partial<ServiceRecord>), TTL), isDenied);
        }
        assert.equal(inner.writes, 0);
      });
    });

    describe('when a getter shows one value to the check and another afterwards', () => {
      it('should store only the value it checked', async () => {
        let reads = 0;
        const shifty = record('inventory', { nodes: [node('i1')] });
        Object.defineProperty(shifty.nodes[0], 'host', { get: () => (reads++ === 0 ? '10.0.0.7' : 'attacker.example:9999'), enumerable: true });
        await registry.register(shifty, TTL);
        assert.equal((await memory.getService('inventory'))[0]?.nodes[0]?.host, '10.0.0.7');
      });
    });
  });

  describe('.getService', () => {
    describe('when a record was written straight into the store', () => {
      it('should drop the forged record, log it, and keep the trusted ones', async () => {
        await memory.register(record('payments', { version: '6.6.6', nodes: [node('evil', { host: 'attacker.example:9999' })] }), TTL);
        await memory.register(record('payments', { version: '6.6.7', metadata: { size: 10n } as never }), TTL);
        await memory.register(record('mallory'), TTL);
        assert.deepEqual(await registry.getService('payments'), [payments]);
        assert.deepEqual(await registry.listServices(), [payments]);
        const dropped = logger.events('registry_record_dropped');
        assert.ok(dropped.length >= 3);
        assert.ok(dropped.some((d) => d['service'] === 'mallory' && /not in allowServices/.test(String(d['reason']))));
      });
    });
  });

  describe('.deregister', () => {
    describe('when the caller names a node the registry does not hold (B25 partial)', () => {
      it('B25: should leave the real entry in place', async () => {
        await registry.deregister(record('payments', { nodes: [node('node-a', { host: 'attacker.example' })] }));
        await registry.deregister(record('payments', { version: '0.0.1', nodes: [node('payments-1')] }));
        assert.deepEqual(await registry.getService('payments'), [payments]);
      });
    });

    describe('when the record is malformed or its name not allowed', () => {
      it('B25: should refuse the deregistration and log it', async () => {
        await assert.rejects(registry.deregister(record('billing')), isDenied);
        await assert.rejects(registry.deregister(record('payments', { nodes: [node('../payments-1')] })), isDenied);
        assert.equal(inner.writes, 0);
        assert.equal(logger.events('deregistration_refused').length, 2);
      });
    });

    describe('when identity binding and the source allowlist are on', () => {
      let bound: ValidatingRegistry;
      let billing: ServiceRecord;
      beforeEach(async () => {
        const policy = resolveRegistryPolicy({ allowServices: ['billing', 'node-a'], checks: [identityBindingCheck(), sourceAddressCheck(['10.0.0.0/24', 'fd00::/64'])] });
        bound = new ValidatingRegistry(inner, policy, logger);
        billing = record('billing', { nodes: [node('node-b', { host: '10.0.0.6' })] });
        await bound.register(billing, { ...TTL, identity: 'billing', sourceAddress: '10.0.0.6' });
        inner.writes = 0;
      });

      it('B25: should refuse a deregistration by anyone but the owner of the entry', async () => {
        await assert.rejects(bound.deregister(billing, { identity: 'node-a', sourceAddress: '10.0.0.5' }), (e) => isDenied(e) && /IdentityMismatch/.test((e as BastionError).detail));
        await assert.rejects(bound.deregister(billing), (e) => isDenied(e) && /IdentityMissing/.test((e as BastionError).detail));
        assert.equal(inner.writes, 0);
        assert.deepEqual(await bound.getService('billing'), [billing]);
        assert.equal(logger.events('deregistration_refused').length, 2);
      });

      it('B25: should refuse a node address that does not match the registrant identity and source address', async () => {
        const rogue = record('billing', { nodes: [node('node-b', { host: 'attacker.example', port: 9999 })] });
        await assert.rejects(bound.register(rogue, { ...TTL, identity: 'node-a', sourceAddress: '10.0.0.5' }), (e) => isDenied(e) && /IdentityMismatch/.test((e as BastionError).detail));
        await assert.rejects(bound.register(rogue, { ...TTL, identity: 'billing', sourceAddress: '10.0.0.5' }), (e) => isDenied(e) && /AddressNotAllowed/.test((e as BastionError).detail));
        assert.equal(inner.writes, 0);
        assert.deepEqual(await bound.getService('billing'), [billing]);
        assert.equal(logger.events('registration_refused').length, 2);
      });

      it('should refuse a registrant speaking from outside the CIDR list, IPv4 and IPv6', async () => {
        for (const sourceAddress of ['10.0.1.5', '192.168.0.1', 'fd00:0:0:1::5', '::ffff:10.0.1.5']) {
          await assert.rejects(bound.register(billing, { ...TTL, identity: 'billing', sourceAddress }), (e) => isDenied(e) && /SourceNotAllowed/.test((e as BastionError).detail), sourceAddress);
        }
        await assert.rejects(bound.register(billing, { ...TTL, identity: 'billing' }), (e) => isDenied(e) && /SourceMissing/.test((e as BastionError).detail));
        assert.equal(inner.writes, 0);
      });

      it('should accept an owner inside the list, IPv4-mapped and IPv6 included', async () => {
        await bound.register(billing, { ...TTL, identity: 'billing', sourceAddress: '::ffff:10.0.0.6' });
        await bound.register(record('billing', { nodes: [node('node-6', { host: 'fd00::6' })] }), { ...TTL, identity: 'billing', sourceAddress: 'fd00::6' });
        await bound.deregister(billing, { identity: 'billing', sourceAddress: '10.0.0.6' });
        assert.equal(inner.writes, 3);
      });
    });

    describe('when required metadata is on', () => {
      it('should refuse a record with the key missing or a value not allowed, and drop such records on read', async () => {
        const strict = new ValidatingRegistry(inner, resolveRegistryPolicy({ allowServices: ['inventory'], checks: [requiredMetadataCheck({ tier: ['gold', 'silver'], team: [] })] }), logger);
        const cases: [Record<string, string>, RegExp][] = [
          [{ team: 'ops' }, /MetadataMissing: metadata key "tier"/],
          [{ tier: 'bronze', team: 'ops' }, /MetadataNotAllowed: metadata "tier"/],
          [{ tier: 'gold' }, /MetadataMissing: metadata key "team"/],
        ];
        for (const [metadata, reason] of cases) {
          await assert.rejects(strict.register(record('inventory', { metadata }), TTL), (e) => isDenied(e) && reason.test((e as BastionError).detail));
        }
        assert.equal(inner.writes, 0);
        await memory.register(record('inventory', { metadata: { tier: 'bronze', team: 'x' } }), TTL);
        assert.deepEqual(await strict.getService('inventory'), []);
        await strict.register(record('inventory', { metadata: { tier: 'gold', team: 'ops' } }), TTL);
        assert.equal((await strict.getService('inventory')).length, 1);
      });
    });
  });
});
