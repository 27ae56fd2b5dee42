import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import { describeRegistryConformance } from '../conformance/registry.conformance.js';
import { ManualClock, node, record } from './registry-fixtures.js';

describeRegistryConformance(MemoryRegistry.name, () => new MemoryRegistry());

describe(MemoryRegistry.name, () => {
  let clock: ManualClock;
  let registry: MemoryRegistry;

  beforeEach(() => {
    clock = new ManualClock();
    registry = new MemoryRegistry(clock);
  });

  describe('.register', () => {
    describe('when a node reaches its ttl', () => {
      it('should return it until the last millisecond and not after', async () => {
        await registry.register(record('orders'), { ttlMs: 1000 });
        clock.advance(999);
        assert.equal((await registry.getService('orders')).length, 1);
        clock.advance(1);
        assert.deepEqual(await registry.getService('orders'), []);
      });
    });

    describe('when a node registers again before its ttl', () => {
      it('should extend that node only', async () => {
        await registry.register(record('orders', { nodes: [node('a'), node('b', { port: 7001 })] }), { ttlMs: 1000 });
        clock.advance(600);
        await registry.register(record('orders', { nodes: [node('a')] }), { ttlMs: 1000 });
        clock.advance(600);
        const [live] = await registry.getService('orders');
        assert.deepEqual(live?.nodes.map((n) => n.id), ['a']);
      });
    });

    describe('when the ttl is not a positive finite number', () => {
      it('should refuse, since such a node would never expire', async () => {
        for (const ttlMs of [Number.NaN, Number.POSITIVE_INFINITY, 0, -5]) {
          await assert.rejects(registry.register(record('orders'), { ttlMs }), (e) => BastionError.hasId(e, 'BST_ERR_REGISTRY_DENIED'));
        }
        assert.deepEqual(await registry.listServices(), []);
      });
    });
  });

  describe('.listServices', () => {
    describe('when some services have only expired nodes', () => {
      it('should leave them out', async () => {
        await registry.register(record('short'), { ttlMs: 10 });
        await registry.register(record('long'), { ttlMs: 10_000 });
        clock.advance(100);
        assert.deepEqual((await registry.listServices()).map((r) => r.name), ['long']);
      });
    });
  });

  describe('constructor', () => {
    describe('when resolved from a container without a Clock', () => {
      it('should use the system clock', async () => {
        const container = new Container();
        container.bind(MemoryRegistry).toSelf();
        const resolved = container.get(MemoryRegistry);
        assert.equal(resolved.name, 'memory');
        await resolved.register(record('orders'), { ttlMs: 10_000 });
        assert.equal((await resolved.getService('orders')).length, 1);
      });
    });
  });
});
