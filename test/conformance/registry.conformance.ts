// The behaviour every Registry must show, whatever stores the records. Memory, Redis
// and NATS KV registries each run it; time passes for real here (short ttls), because a
// remote store keeps its own clock.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Registry, RegistryEvent, RegistryWatcher, ServiceNode, ServiceRecord } from '../../src/registry/registry.js';

const TTL_MS = 30_000;
// Longer than one polling interval of every watcher under test.
const WATCH_SETTLE_MS = 400;

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

/** The next event of `watcher`, or a failure after `ms` (a missing event must not hang the suite). */
export async function nextEvent(watcher: RegistryWatcher, ms = 5000): Promise<RegistryEvent> {
  const iterator = watcher[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no registry event within ${ms} ms`)), ms)));
  try {
    const result = await Promise.race([iterator.next(), timeout]);
    assert.equal(result.done, false);
    return result.value as RegistryEvent;
  } finally {
    clearTimeout(timer);
  }
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

    afterEach(async () => {
      await registry.close?.();
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

    describe('.watch', () => {
      describe('when a node is created, changed and removed', () => {
        it('should emit create, update and delete events of that service only', async () => {
          const watcher = registry.watch('conf-watch');
          try {
            // What is registered before the first snapshot is the baseline, not an event.
            await sleep(WATCH_SETTLE_MS);
            await registry.register(conformanceRecord('other', [conformanceNode('x')]), { ttlMs: TTL_MS });
            await registry.register(conformanceRecord('watch', [conformanceNode('w1')]), { ttlMs: TTL_MS });
            const created = await nextEvent(watcher);
            assert.deepEqual([created.type, created.record.name, created.record.nodes.map((n) => n.id)], ['create', 'conf-watch', ['w1']]);
            await registry.register(conformanceRecord('watch', [conformanceNode('w1', 9100)]), { ttlMs: TTL_MS });
            const updated = await nextEvent(watcher);
            assert.deepEqual([updated.type, updated.record.nodes[0]?.port], ['update', 9100]);
            await registry.deregister(conformanceRecord('watch', [conformanceNode('w1', 9100)]));
            const deleted = await nextEvent(watcher);
            assert.deepEqual([deleted.type, deleted.record.nodes[0]?.id], ['delete', 'w1']);
          } finally {
            watcher.close();
          }
        });
      });

      describe('when a node expires', () => {
        it('should emit a delete event', async () => {
          const watcher = registry.watch('conf-watch-ttl');
          try {
            await sleep(WATCH_SETTLE_MS);
            await registry.register(conformanceRecord('watch-ttl', [conformanceNode('w1')]), { ttlMs: 300 });
            assert.equal((await nextEvent(watcher)).type, 'create');
            assert.equal((await nextEvent(watcher)).type, 'delete');
          } finally {
            watcher.close();
          }
        });
      });

      describe('when the watcher is closed', () => {
        it('should end the iteration', async () => {
          const watcher = registry.watch();
          watcher.close();
          const result = await watcher[Symbol.asyncIterator]().next();
          assert.equal(result.done, true);
        });
      });
    });

    describe('at scale', () => {
      describe('when 1,000 services with 5 nodes each register', () => {
        it('should list every service with its 5 nodes', async () => {
          const records = Array.from({ length: 1000 }, (_, s) =>
            conformanceRecord(`scale-${s}`, Array.from({ length: 5 }, (_, n) => conformanceNode(`s${s}-n${n}`, 10_000 + n))),
          );
          for (let i = 0; i < records.length; i += 50) await Promise.all(records.slice(i, i + 50).map((r) => registry.register(r, { ttlMs: TTL_MS })));
          const listed = (await registry.listServices()).filter((r) => r.name.startsWith('conf-scale-'));
          assert.equal(listed.length, 1000);
          assert.ok(listed.every((r) => r.nodes.length === 5));
          assert.equal(new Set(listed.flatMap((r) => r.nodes.map((n) => n.id))).size, 5000);
          assert.deepEqual(nodeIds(await registry.getService('conf-scale-999')), ['s999-n0', 's999-n1', 's999-n2', 's999-n3', 's999-n4']);
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
