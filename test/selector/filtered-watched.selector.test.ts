import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BastionError } from '../../src/errors/bastion-error.js';
import { MemoryRegistry } from '../../src/registry/memory.registry.js';
import type { ServiceNode, ServiceRecord } from '../../src/registry/registry.js';
import { RandomSelector } from '../../src/selector/random.selector.js';
import { RoundRobinSelector } from '../../src/selector/round-robin.selector.js';

const TTL = { ttlMs: 60_000 };

function node(id: string, metadata: Record<string, string> = {}): ServiceNode {
  return { id, host: '127.0.0.1', port: 7000, metadata };
}

function record(version: string, nodes: ServiceNode[], metadata: Record<string, string> = {}): ServiceRecord {
  return { name: 'orders', version, metadata, endpoints: [], nodes };
}

async function picks(select: () => Promise<ServiceNode>, times: number): Promise<string[]> {
  const ids = new Set<string>();
  for (let i = 0; i < times; i++) ids.add((await select()).id);
  return [...ids].sort();
}

describe(RoundRobinSelector.name, () => {
  let registry: MemoryRegistry;
  let selector: RoundRobinSelector;

  beforeEach(async () => {
    registry = new MemoryRegistry();
    await registry.register(record('1.0.0', [node('v1-a', { zone: 'a' }), node('v1-b', { zone: 'b' })], { tier: 'gold' }), TTL);
    await registry.register(record('2.0.0', [node('v2-a', { zone: 'a' })]), TTL);
    selector = new RoundRobinSelector(registry, undefined, { cacheTtlMs: 60_000 });
  });
  afterEach(() => selector.close());

  describe('.select', () => {
    describe('when given a version filter', () => {
      it('should pick only nodes of that version', async () => {
        assert.deepEqual(await picks(() => selector.select('orders', { version: '1.0.0' }), 6), ['v1-a', 'v1-b']);
        assert.deepEqual(await picks(() => selector.select('orders', { version: '2.0.0' }), 3), ['v2-a']);
      });
    });

    describe('when given a metadata filter', () => {
      it('should match node metadata over record metadata', async () => {
        assert.deepEqual(await picks(() => selector.select('orders', { metadata: { zone: 'a' } }), 6), ['v1-a', 'v2-a']);
        assert.deepEqual(await picks(() => selector.select('orders', { metadata: { zone: 'a', tier: 'gold' } }), 4), ['v1-a']);
      });
    });

    describe('when no node passes the filter', () => {
      it('should throw a 503 BST_ERR_CLIENT_NO_NODES', async () => {
        await assert.rejects(selector.select('orders', { version: '9.9.9' }), (e) => BastionError.hasId(e, 'BST_ERR_CLIENT_NO_NODES') && e.code === 503);
        await assert.rejects(selector.select('orders', { metadata: JSON.parse('{"__proto__": "x"}') as Record<string, string> }), (e) => BastionError.hasId(e, 'BST_ERR_CLIENT_NO_NODES'));
      });
    });

    describe('when the registry changes while the list is cached', () => {
      it('should see a new node and lose a deregistered one before the cache time runs out', async () => {
        assert.deepEqual(await picks(() => selector.select('orders', { version: '2.0.0' }), 2), ['v2-a']);
        await registry.register(record('2.0.0', [node('v2-b')]), TTL);
        await registry.deregister(record('2.0.0', [node('v2-a')]));
        await sleep(700);
        assert.deepEqual(await picks(() => selector.select('orders', { version: '2.0.0' }), 3), ['v2-b']);
      });
    });
  });
});

describe(RandomSelector.name, () => {
  describe('.select', () => {
    describe('when given a filter', () => {
      it('should pick only matching nodes', async () => {
        const registry = new MemoryRegistry();
        await registry.register(record('1.0.0', [node('a', { zone: 'a' }), node('b', { zone: 'b' })]), TTL);
        const selector = new RandomSelector(registry, undefined, { watch: false });
        assert.deepEqual(await picks(() => selector.select('orders', { metadata: { zone: 'b' } }), 10), ['b']);
      });
    });
  });
});
