// The behaviour every Registry must show, whatever stores the records. Memory, Redis
// and NATS KV registries each run it; time passes for real here (short ttls), because a
// remote store keeps its own clock.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, it } from 'node:test';
import type { Registry, ServiceNode, ServiceRecord } from '../../src/registry/registry.js';

const TTL_MS = 30_000;

/** A node with the given id, on loopback. */
export function conformanceNode(id: string, port = 8000): ServiceNode {
  return { id, host: '127.0.0.1', port, metadata: { zone: 'a' } };
}

/** A record of `conf-<suffix>` with the given nodes. */
export function conformanceRecord(suffix: string, nodes: ServiceNode[], version = '1.0.0'): ServiceRecord {
  return {
    name: `conf-${suffix}`,
    version,
    metadata: { owner: 'conformance' },
    endpoints: [{ name: 'Greeter.hello', request: 'HelloRequest', codec: 'application/json' }],
    nodes,
  };
}

function nodeIds(records: readonly ServiceRecord[]): string[] {
  return records.flatMap((r) => r.nodes.map((n) => n.id)).sort();
}

/**
 * Runs the shared Registry behaviour against registries made by `create`; every name it
 * registers starts with `conf-`, so an allowlist of `conf-*` suffices.
 */
export function describeRegistryConformance(name: string, create: () => Registry | Promise<Registry>): void {
  describe(`${name} (Registry conformance)`, () => {
    let registry: Registry;

    beforeEach(async () => {
      registry = await create();
    });

    describe('.register', () => {
      describe('when the service is new', () => {
        it('should return it from getService with its head and node', async () => {
          await registry.register(conformanceRecord('greeter', [conformanceNode('n1')]), { ttlMs: TTL_MS });
          const records = await registry.getService('conf-greeter');
          assert.deepEqual(records, [conformanceRecord('greeter', [conformanceNode('n1')])]);
        });
      });

      describe('when nodes of one version register separately', () => {
        it('should merge them by node id', async () => {
          await registry.register(conformanceRecord('merge', [conformanceNode('n1', 8001)]), { ttlMs: TTL_MS });
          await registry.register(conformanceRecord('merge', [conformanceNode('n2', 8002)]), { ttlMs: TTL_MS });
          await registry.register(conformanceRecord('merge', [conformanceNode('n1', 9001)]), { ttlMs: TTL_MS });
          const records = await registry.getService('conf-merge');
          assert.equal(records.length, 1);
          assert.deepEqual(nodeIds(records), ['n1', 'n2']);
          assert.equal(records[0]?.nodes.find((n) => n.id === 'n1')?.port, 9001);
        });
      });

      describe('when two versions register', () => {
        it('should return one record per version', async () => {
          await registry.register(conformanceRecord('versions', [conformanceNode('n1')], '1.0.0'), { ttlMs: TTL_MS });
          await registry.register(conformanceRecord('versions', [conformanceNode('n2')], '2.0.0'), { ttlMs: TTL_MS });
          const versions = (await registry.getService('conf-versions')).map((r) => r.version).sort();
          assert.deepEqual(versions, ['1.0.0', '2.0.0']);
        });
      });

      describe('when the caller changes its record afterwards', () => {
        it('should keep what was registered', async () => {
          const record = conformanceRecord('copy', [conformanceNode('n1')]);
          await registry.register(record, { ttlMs: TTL_MS });
          (record.metadata as Record<string, string>)['owner'] = 'changed';
          (record.nodes as ServiceNode[]).push(conformanceNode('n2'));
          const [stored] = await registry.getService('conf-copy');
          assert.equal(stored?.metadata['owner'], 'conformance');
          assert.deepEqual(nodeIds([stored as ServiceRecord]), ['n1']);
        });
      });

      describe('when a node is not registered again within its ttl', () => {
        it('should stop returning that node, and only that one', async () => {
          await registry.register(conformanceRecord('ttl', [conformanceNode('short')]), { ttlMs: 40 });
          await registry.register(conformanceRecord('ttl', [conformanceNode('long')]), { ttlMs: TTL_MS });
          await sleep(120);
          assert.deepEqual(nodeIds(await registry.getService('conf-ttl')), ['long']);
        });

        it('should drop the version once its last node expired', async () => {
          await registry.register(conformanceRecord('gone', [conformanceNode('n1')]), { ttlMs: 40 });
          await sleep(120);
          assert.deepEqual(await registry.getService('conf-gone'), []);
          assert.ok(!(await registry.listServices()).some((r) => r.name === 'conf-gone'));
        });
      });
    });

    describe('.getService', () => {
      describe('when the service was never registered', () => {
        it('should return an empty list', async () => {
          assert.deepEqual(await registry.getService('conf-unknown'), []);
        });
      });

      describe('when the caller tries to change a result', () => {
        it('should hand out deep-frozen records that cannot touch the store', async () => {
          await registry.register(conformanceRecord('frozen', [conformanceNode('n1')]), { ttlMs: TTL_MS });
          const [record] = await registry.getService('conf-frozen');
          assert.ok(record !== undefined);
          for (const part of [record, record.metadata, record.endpoints, record.endpoints[0], record.nodes, record.nodes[0], record.nodes[0]?.metadata]) {
            assert.ok(Object.isFrozen(part));
          }
          assert.throws(() => {
            (record.nodes[0] as { host: string }).host = 'attacker.example';
          }, TypeError);
          const [again] = await registry.getService('conf-frozen');
          assert.equal(again?.nodes[0]?.host, '127.0.0.1');
        });
      });
    });

    describe('.listServices', () => {
      describe('when several services are registered', () => {
        it('should return a record for each', async () => {
          await registry.register(conformanceRecord('list-a', [conformanceNode('n1')]), { ttlMs: TTL_MS });
          await registry.register(conformanceRecord('list-b', [conformanceNode('n2')]), { ttlMs: TTL_MS });
          const names = (await registry.listServices()).map((r) => r.name);
          assert.ok(names.includes('conf-list-a') && names.includes('conf-list-b'));
        });
      });
    });

    describe('.deregister', () => {
      describe('when one of two nodes deregisters', () => {
        it('should keep the other', async () => {
          await registry.register(conformanceRecord('dereg', [conformanceNode('n1'), conformanceNode('n2', 8002)]), { ttlMs: TTL_MS });
          await registry.deregister(conformanceRecord('dereg', [conformanceNode('n1')]));
          assert.deepEqual(nodeIds(await registry.getService('conf-dereg')), ['n2']);
        });
      });

      describe('when the last node deregisters', () => {
        it('should remove the version', async () => {
          await registry.register(conformanceRecord('last', [conformanceNode('n1')], '1.0.0'), { ttlMs: TTL_MS });
          await registry.register(conformanceRecord('last', [conformanceNode('n2')], '2.0.0'), { ttlMs: TTL_MS });
          await registry.deregister(conformanceRecord('last', [conformanceNode('n1')], '1.0.0'));
          assert.deepEqual((await registry.getService('conf-last')).map((r) => r.version), ['2.0.0']);
        });
      });

      describe('when the record is not held', () => {
        it('should change nothing and not fail', async () => {
          await registry.register(conformanceRecord('held', [conformanceNode('n1')]), { ttlMs: TTL_MS });
          await registry.deregister(conformanceRecord('held', [conformanceNode('other')]));
          await registry.deregister(conformanceRecord('held', [conformanceNode('n1')], '9.9.9'));
          await registry.deregister(conformanceRecord('never', [conformanceNode('n1')]));
          assert.deepEqual(nodeIds(await registry.getService('conf-held')), ['n1']);
        });
      });
    });
  });
}
