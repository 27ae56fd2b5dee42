import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { beforeEach, describe, it } from 'node:test';
import { TOKENS } from '../../src/container/tokens.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { Clock } from '../../src/ratelimit/clock.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import type { ServiceNode, ServiceRecord } from '../../src/registry/registry.js';
import { resolveSelectorOptions } from '../../src/selector/options.js';
import { RandomSelector } from '../../src/selector/random.selector.js';
import { RoundRobinSelector } from '../../src/selector/round-robin.selector.js';
import type { Selector } from '../../src/selector/selector.js';

const TTL = { ttlMs: 60_000 };
const isNoNodes = (e: unknown) => BastionError.hasId(e, 'BST_ERR_CLIENT_NO_NODES') && e.code === 503;

function node(id: string, port: number): ServiceNode {
  return { id, host: '127.0.0.1', port, metadata: {} };
}

function record(version: string, nodes: ServiceNode[]): ServiceRecord {
  return { name: 'orders', version, metadata: {}, endpoints: [], nodes };
}

class CountingMemoryRegistry extends MemoryRegistry {
  reads = 0;
  override getService(name: string): Promise<ServiceRecord[]> {
    this.reads++;
    return super.getService(name);
  }
}

describe(RoundRobinSelector.name, () => {
  let now: number;
  let clock: Clock;
  let registry: CountingMemoryRegistry;
  let selector: RoundRobinSelector;

  beforeEach(async () => {
    now = 0;
    clock = { now: () => now };
    registry = new CountingMemoryRegistry(clock);
    await registry.register(record('1.0.0', [node('a', 1), node('b', 2)]), TTL);
    await registry.register(record('2.0.0', [node('c', 3)]), TTL);
    // Watching off: these tests pin what the cache time alone does.
    selector = new RoundRobinSelector(registry, clock, { cacheTtlMs: 1000, watch: false });
  });

  describe('.select', () => {
    describe('when the service has nodes in several versions', () => {
      it('should hand out every node in turn', async () => {
        const picked = [];
        for (let i = 0; i < 6; i++) picked.push((await selector.select('orders')).id);
        assert.deepEqual([...picked.slice(0, 3)].sort(), ['a', 'b', 'c']);
        assert.deepEqual(picked.slice(3), picked.slice(0, 3));
      });
    });

    describe('when called again within the cache time', () => {
      it('should not read the registry again, nor see new nodes until the cache expires', async () => {
        await selector.select('orders');
        await registry.register(record('1.0.0', [node('d', 4)]), TTL);
        const seen = new Set<string>();
        for (let i = 0; i < 6; i++) seen.add((await selector.select('orders')).id);
        assert.equal(registry.reads, 1);
        assert.ok(!seen.has('d'));
        now += 1000;
        for (let i = 0; i < 8; i++) seen.add((await selector.select('orders')).id);
        assert.ok(seen.has('d'));
        assert.equal(registry.reads, 2);
      });
    });

    describe('when many callers miss the cache together', () => {
      it('should read the registry once', async () => {
        await Promise.all(Array.from({ length: 20 }, () => selector.select('orders')));
        assert.equal(registry.reads, 1);
      });
    });

    describe('when the service has no node', () => {
      it('should throw a 503 BST_ERR_CLIENT_NO_NODES', async () => {
        await assert.rejects(selector.select('billing'), isNoNodes);
      });

      it('should ask the registry again next time instead of caching the miss', async () => {
        await assert.rejects(selector.select('billing'), isNoNodes);
        await registry.register({ ...record('1.0.0', [node('x', 9)]), name: 'billing' }, TTL);
        assert.equal((await selector.select('billing')).id, 'x');
      });
    });
  });

  describe('.markFailed', () => {
    describe('when a node failed', () => {
      it('should skip it until the next refresh', async () => {
        const failed = await selector.select('orders');
        selector.markFailed('orders', failed);
        for (let i = 0; i < 6; i++) assert.notEqual((await selector.select('orders')).id, failed.id);
        now += 1000;
        const seen = new Set<string>();
        for (let i = 0; i < 3; i++) seen.add((await selector.select('orders')).id);
        assert.ok(seen.has(failed.id));
      });
    });

    describe('when every node failed', () => {
      it('should throw BST_ERR_CLIENT_NO_NODES until the next refresh', async () => {
        await selector.select('orders');
        for (const id of ['a', 'b', 'c']) selector.markFailed('orders', node(id, 0));
        await assert.rejects(selector.select('orders'), isNoNodes);
        now += 1000;
        assert.ok(['a', 'b', 'c'].includes((await selector.select('orders')).id));
      });
    });
  });

  describe('constructor', () => {
    describe('when resolved from a container with only a Registry bound', () => {
      it('should build with the default options and system clock', async () => {
        const container = new Container();
        container.bind(TOKENS.Registry).toConstantValue(registry);
        container.bind(TOKENS.Selector).to(RoundRobinSelector);
        const resolved = container.get<Selector>(TOKENS.Selector);
        assert.equal(resolved.name, 'round-robin');
        assert.ok(['a', 'b', 'c'].includes((await resolved.select('orders')).id));
      });
    });
  });
});

describe(RandomSelector.name, () => {
  let registry: MemoryRegistry;

  beforeEach(async () => {
    registry = new MemoryRegistry();
    await registry.register(record('1.0.0', [node('a', 1), node('b', 2), node('c', 3)]), TTL);
  });

  describe('.select', () => {
    describe('when the service has nodes', () => {
      it('should pick only registered nodes, and skip failed ones', async () => {
        const selector = new RandomSelector(registry);
        assert.equal(selector.name, 'random');
        const failed = await selector.select('orders');
        selector.markFailed('orders', failed);
        const seen = new Set<string>();
        for (let i = 0; i < 50; i++) seen.add((await selector.select('orders')).id);
        assert.ok(!seen.has(failed.id));
        assert.ok([...seen].every((id) => ['a', 'b', 'c'].includes(id)));
      });
    });

    describe('when the service has no node', () => {
      it('should throw BST_ERR_CLIENT_NO_NODES', async () => {
        await assert.rejects(new RandomSelector(registry).select('billing'), isNoNodes);
      });
    });
  });
});

describe(resolveSelectorOptions.name, () => {
  describe('when given nonsense', () => {
    it('should throw a RangeError', () => {
      assert.deepEqual(resolveSelectorOptions(), { cacheTtlMs: 1000, watch: true });
      assert.throws(() => resolveSelectorOptions({ watch: 'yes' as never }), RangeError);
      assert.throws(() => resolveSelectorOptions({ cacheTtlMs: -1 }), RangeError);
      assert.throws(() => resolveSelectorOptions({ cacheTtlMs: Number.NaN }), RangeError);
    });
  });
});
