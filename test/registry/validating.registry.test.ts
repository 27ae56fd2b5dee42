import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { beforeEach, describe, it } from 'node:test';
import { TOKENS } from '../../src/container/tokens.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import type { Registry, ServiceRecord } from '../../src/registry/registry.js';
import { DEFAULT_REGISTRY_POLICY, resolveRegistryPolicy, type RegistrationCheck, type RegistrationWrite } from '../../src/registry/validating/policy.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { describeRegistryConformance } from '../conformance/registry.conformance.js';
import { CountingRegistry, node, record, RecordingLogger } from './registry-fixtures.js';

const isDenied = (e: unknown) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED') && e.code === 403;

describeRegistryConformance(ValidatingRegistry.name, () => new ValidatingRegistry(new MemoryRegistry(), resolveRegistryPolicy({ allowServices: ['conf-*'] }), new RecordingLogger()));

function validating(inner: Registry, partial: Parameters<typeof resolveRegistryPolicy>[0], logger = new RecordingLogger()): ValidatingRegistry {
  return new ValidatingRegistry(inner, resolveRegistryPolicy(partial), logger);
}

describe(ValidatingRegistry.name, () => {
  let inner: CountingRegistry;
  let logger: RecordingLogger;

  beforeEach(() => {
    inner = new CountingRegistry(new MemoryRegistry());
    logger = new RecordingLogger();
  });

  describe('.name', () => {
    it('should name the registry it wraps', () => {
      assert.equal(validating(inner, {}).name, 'validating(memory)');
    });
  });

  describe('.register', () => {
    describe('when the policy has the default, empty allowlist', () => {
      it('should refuse every name', async () => {
        const registry = validating(inner, {}, logger);
        await assert.rejects(registry.register(record('orders'), { ttlMs: 1000 }), isDenied);
        assert.equal(inner.writes, 0);
        assert.deepEqual(logger.events('registration_refused'), [{ service: 'orders', reason: 'service name "orders" is not in allowServices' }]);
      });
    });

    describe('when the allowlist holds a wildcard', () => {
      it('should accept the names with that prefix and only those', async () => {
        const registry = validating(inner, { allowServices: ['orders-*', 'billing'] });
        await registry.register(record('orders-eu'), { ttlMs: 1000 });
        await registry.register(record('billing'), { ttlMs: 1000 });
        for (const name of ['orders', 'ordersx', 'billing-eu', 'xorders-eu']) {
          await assert.rejects(registry.register(record(name), { ttlMs: 1000 }), isDenied, name);
        }
        assert.equal(inner.writes, 2);
      });
    });

    describe('when the record is well formed', () => {
      it('should refuse unknown fields and store exactly the fields of the contract', async () => {
        const registry = validating(inner, { allowServices: ['orders'] });
        const sent = { ...record('orders'), nodes: [{ ...node('a'), weight: 5 }] } as unknown as ServiceRecord;
        await assert.rejects(registry.register(sent, { ttlMs: 1000 }), /unknown field "weight"/);
        await registry.register(record('orders'), { ttlMs: 1000 });
        assert.deepEqual(await inner.getService('orders'), [record('orders')]);
      });
    });

    describe('when the ttl or source address is out of bounds', () => {
      it('should refuse it', async () => {
        const registry = validating(inner, { allowServices: ['orders'], maxTtlMs: 60_000 });
        for (const options of [{ ttlMs: 0 }, { ttlMs: 60_001 }, { ttlMs: Number.NaN }, { ttlMs: 1000, sourceAddress: 'evil.example' }]) {
          await assert.rejects(registry.register(record('orders'), options), isDenied, JSON.stringify(options));
        }
        await registry.register(record('orders'), { ttlMs: 60_000, sourceAddress: '10.0.0.5' });
        assert.equal(inner.writes, 1);
      });
    });

    describe('when a node is malformed', () => {
      it('should refuse bad hosts, ports, ids and duplicate ids', async () => {
        const registry = validating(inner, { allowServices: ['orders'] });
        const bad = [
          node('a', { host: 'attacker.example:9999' }),
          node('a', { host: 'a'.repeat(254) }),
          node('a', { host: '' }),
          node('a', { port: 0 }),
          node('a', { port: 65_536 }),
          node('a', { port: 80.5 }),
          node('', {}),
          node('a/../b', {}),
        ];
        for (const n of bad) await assert.rejects(registry.register(record('orders', { nodes: [n] }), { ttlMs: 1000 }), isDenied, JSON.stringify(n));
        await assert.rejects(registry.register(record('orders', { nodes: [node('a'), node('a')] }), { ttlMs: 1000 }), /distinct ids/);
        await assert.rejects(registry.register(record('orders', { nodes: [] }), { ttlMs: 1000 }), /at least one node/);
        await registry.register(record('orders', { nodes: [node('a', { host: '::1' }), node('b', { host: 'orders-1.svc.local' })] }), { ttlMs: 1000 });
        assert.equal(inner.writes, 1);
      });

      it('should refuse more nodes than maxNodesPerRecord', async () => {
        const registry = validating(inner, { allowServices: ['orders'], maxNodesPerRecord: 2 });
        const nodes = [node('a'), node('b'), node('c')];
        await assert.rejects(registry.register(record('orders', { nodes }), { ttlMs: 1000 }), /maxNodesPerRecord is 2/);
      });
    });

    describe('when the endpoints are malformed', () => {
      it('should refuse them', async () => {
        const registry = validating(inner, { allowServices: ['orders'], maxEndpointsPerRecord: 2 });
        const ep = { name: 'A.b', request: 'Req', codec: 'application/json' };
        const bad = [
          [ep, ep],
          [ep, { ...ep, name: 'B.c' }, { ...ep, name: 'C.d' }],
          [{ ...ep, name: 'A.b; rm -rf' }],
          [{ ...ep, codec: 'application/json; x' }],
          [{ ...ep, request: 7 }],
        ];
        for (const endpoints of bad) {
          await assert.rejects(registry.register(record('orders', { endpoints } as unknown as ServiceRecord), { ttlMs: 1000 }), isDenied);
        }
        await registry.register(record('orders', { endpoints: [{ ...ep, request: '' }] }), { ttlMs: 1000 });
        assert.equal(inner.writes, 1);
      });
    });
  });

  describe('.getService', () => {
    describe('when the name is not allowed', () => {
      it('should return nothing, even when the store holds it', async () => {
        await inner.register(record('payments'), { ttlMs: 1000 });
        assert.deepEqual(await validating(inner, { allowServices: ['orders'] }).getService('payments'), []);
      });
    });

    describe('when the inner registry answers with a record of another name', () => {
      it('should drop it', async () => {
        const liar = new CountingRegistry(new MemoryRegistry());
        liar.getService = async () => [record('orders-evil')];
        const registry = validating(liar, { allowServices: ['orders', 'orders-evil'] }, logger);
        assert.deepEqual(await registry.getService('orders'), []);
        assert.equal(logger.events('registry_record_dropped').length, 1);
      });
    });
  });

  describe('RegistryPolicy.checks', () => {
    describe('when a check refuses a write', () => {
      it('should refuse it with the check name after the built-in checks passed', async () => {
        const seen: RegistrationWrite[] = [];
        const check: RegistrationCheck = { name: 'only-node-a', onWrite: (w) => (seen.push(w), w.record.nodes.every((n) => n.id === 'a') ? undefined : 'node not bound') };
        const registry = validating(inner, { allowServices: ['orders'], checks: [check] }, logger);
        await registry.register(record('orders', { nodes: [node('a')] }), { ttlMs: 1000 });
        await assert.rejects(registry.register(record('orders', { nodes: [node('b')] }), { ttlMs: 1000 }), /only-node-a: node not bound/);
        await assert.rejects(registry.register(record('Orders'), { ttlMs: 1000 }), isDenied);
        assert.deepEqual(seen.map((w) => [w.action, w.record.nodes[0]?.id, w.options?.ttlMs]), [['register', 'a', 1000], ['register', 'b', 1000]]);
        assert.ok(Object.isFrozen(seen[0]?.record));
      });
    });

    describe('when a check throws', () => {
      it('should refuse, not let the record through', async () => {
        const check: RegistrationCheck = { name: 'broken', onWrite: () => Promise.reject(new Error('key server down')), onRead: () => { throw new Error('down'); } };
        await inner.register(record('orders'), { ttlMs: 1000 });
        const registry = validating(inner, { allowServices: ['orders'], checks: [check] }, logger);
        await assert.rejects(registry.register(record('orders'), { ttlMs: 1000 }), /broken: the check failed/);
        assert.deepEqual(await registry.getService('orders'), []);
        assert.equal(logger.events('registry_check_failed').length, 2);
      });
    });

    describe('when a check refuses a record on read', () => {
      it('should drop that record and keep the others', async () => {
        await inner.register(record('orders', { version: '1.0.0' }), { ttlMs: 1000 });
        await inner.register(record('orders', { version: '2.0.0' }), { ttlMs: 1000 });
        const check: RegistrationCheck = { name: 'v2-only', onRead: (r) => (r.version === '2.0.0' ? undefined : 'unsigned') };
        const registry = validating(inner, { allowServices: ['orders'], checks: [check] }, logger);
        assert.deepEqual((await registry.getService('orders')).map((r) => r.version), ['2.0.0']);
        assert.deepEqual(logger.events('registry_record_dropped')[0]?.['reason'], 'v2-only: unsigned');
      });
    });
  });

  describe(resolveRegistryPolicy.name, () => {
    describe('when given nothing', () => {
      it('should allow no service', () => {
        assert.deepEqual(resolveRegistryPolicy(), DEFAULT_REGISTRY_POLICY);
        assert.deepEqual(DEFAULT_REGISTRY_POLICY.allowServices, []);
      });
    });

    describe('when given nonsense', () => {
      it('should throw a RangeError naming the option', () => {
        assert.throws(() => resolveRegistryPolicy({ maxMetadataKeys: 0 }), /maxMetadataKeys/);
        assert.throws(() => resolveRegistryPolicy({ maxTtlMs: Number.NaN }), /maxTtlMs/);
        assert.throws(() => resolveRegistryPolicy({ allowServices: ['Payments'] }), /allowServices entry 'Payments'/);
        assert.throws(() => resolveRegistryPolicy({ allowServices: [''] }), RangeError);
        assert.throws(() => resolveRegistryPolicy({ allowServices: ['*-eu'] }), RangeError);
      });
    });
  });

  describe('constructor', () => {
    describe('when resolved from a container', () => {
      it('should wrap the bound inner registry', () => {
        const container = new Container();
        container.bind(TOKENS.InnerRegistry).toConstantValue(new MemoryRegistry());
        container.bind(TOKENS.RegistryPolicy).toConstantValue(resolveRegistryPolicy({ allowServices: ['orders'] }));
        container.bind(TOKENS.Logger).toConstantValue(new RecordingLogger());
        container.bind(TOKENS.Registry).to(ValidatingRegistry);
        assert.equal(container.get<Registry>(TOKENS.Registry).name, 'validating(memory)');
      });
    });
  });
});
