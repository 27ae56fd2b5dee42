import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { FileRegistry } from '../../src/registry/file.registry.js';
import { conformanceNode, conformanceRecord, describeRegistryConformance } from '../conformance/registry.conformance.js';
import { describeKilledRegistrant } from './backend-fixtures.js';

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

  describe('constructor', () => {
    describe('when the directory is writable by every user', () => {
      it('should refuse it, since anyone could add nodes there', () => {
        const directory = join(root, 'open');
        mkdirSync(directory);
        chmodSync(directory, 0o777);
        assert.throws(() => new FileRegistry({ directory }), /writable by its group or every user/);
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

  describeKilledRegistrant(pathToFileURL(join(root, 'killed')).toString(), () => new FileRegistry({ directory: join(root, 'killed') }));
});
