import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { conformanceNode, conformanceRecord, describeRegistryConformance } from '../conformance/registry.conformance.js';
import { killHard, startRegistrant } from './backend-fixtures.js';

// Long enough that a registrant starved of CPU by a busy suite still heartbeats in time.
const KILL_TTL_MS = 3000;
const root = mkdtempSync(join(tmpdir(), 'bastion-file-registry-'));
let count = 0;
after(() => rmSync(root, { recursive: true, force: true }));

describeRegistryConformance(FileRegistry.name, () => new FileRegistry({ directory: join(root, `c${count++}`), watchIntervalMs: 50 }));

describe(FileRegistry.name, () => {
  describe('.register', () => {
    describe('when two registries share one directory', () => {
      it('should show each the nodes the other wrote', async () => {
        const directory = join(root, 'shared');
        const a = new FileRegistry({ directory });
        const b = new FileRegistry({ directory });
        await a.register(conformanceRecord('shared', [conformanceNode('a1')]), { ttlMs: 30_000 });
        await b.register(conformanceRecord('shared', [conformanceNode('b1')]), { ttlMs: 30_000 });
        const ids = (await a.getService('conf-shared')).flatMap((r) => r.nodes.map((n) => n.id)).sort();
        assert.deepEqual(ids, ['a1', 'b1']);
        assert.ok(readdirSync(directory).every((f) => !f.endsWith('.tmp')));
      });
    });
  });

  describe('.getService', () => {
    describe('when the directory holds a file that is not an entry', () => {
      it('should skip it and return the real nodes', async () => {
        const directory = join(root, 'junk');
        const registry = new FileRegistry({ directory });
        await registry.register(conformanceRecord('junk', [conformanceNode('n1')]), { ttlMs: 30_000 });
        const [file] = readdirSync(directory);
        writeFileSync(join(directory, `${file?.slice(0, -5)}x.json`), '{"head": 1');
        assert.deepEqual((await registry.getService('conf-junk')).flatMap((r) => r.nodes.map((n) => n.id)), ['n1']);
      });
    });
  });

  describe('when a registrant process is killed with SIGKILL', () => {
    it('should drop its node within the ttl', async () => {
      const directory = join(root, 'killed');
      const registry = new FileRegistry({ directory });
      const child = await startRegistrant(pathToFileURL(directory).toString(), 'conf-killed', KILL_TTL_MS);
      try {
        assert.equal((await registry.getService('conf-killed')).length, 1);
        await killHard(child);
        await sleep(KILL_TTL_MS + 300);
        assert.deepEqual(await registry.getService('conf-killed'), []);
      } finally {
        await killHard(child);
      }
    });
  });
});
