// Attacks on the file registry's directory (F6): a directory other users can write to,
// and entries that are not plain files — a symlink to a file elsewhere, a FIFO that would
// block every reader, an oversized file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileRegistry, MAX_ENTRY_BYTES } from '../../src/registry/file.registry.js';
import { encodeEntry, entriesOf, nodeKey } from '../../src/registry/stored-entry.js';
import { node, record, RecordingLogger } from './registry-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'bastion-file-attack-'));
let count = 0;
after(() => rmSync(root, { recursive: true, force: true }));

function freshDirectory(mode = 0o700): string {
  const directory = join(root, `d${count++}`);
  mkdirSync(directory, { mode });
  chmodSync(directory, mode);
  return directory;
}

/** The file name and content of a well-formed entry of `id` in `orders`. */
function entryFile(id: string): { name: string; text: string } {
  const forged = record('orders', { nodes: [node(id)] });
  const [entry] = entriesOf(forged, 30_000, Date.now());
  return { name: `${nodeKey('orders', '1.0.0', id)}.json`, text: encodeEntry(entry as NonNullable<typeof entry>) };
}

/** A registry over a fresh directory holding the real node `orders-1`, and its logger. */
async function withRealNode(): Promise<{ directory: string; logger: RecordingLogger; registry: FileRegistry }> {
  const directory = freshDirectory();
  const logger = new RecordingLogger();
  const registry = new FileRegistry({ directory, logger });
  await registry.register(record('orders', { nodes: [node('orders-1')] }), { ttlMs: 30_000 });
  return { directory, logger, registry };
}

// Guards the test against a reader that blocks forever; speed is not asserted.
function withinOrFail<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never finished`)), ms);
  });
  return Promise.race([promise, failed]).finally(() => clearTimeout(timer));
}

describe(FileRegistry.name, () => {
  describe('constructor', () => {
    describe('when the directory is writable by its group', () => {
      it('F6: should refuse it', () => {
        const directory = freshDirectory(0o770);
        assert.throws(() => new FileRegistry({ directory }), /writable by its group or every user/);
      });
    });

    describe('when the directory belongs to another user', () => {
      it('F6: should refuse it', { skip: process.getuid?.() === 0 ? false : 'changing a directory owner needs root' }, () => {
        const directory = freshDirectory(0o700);
        chownSync(directory, 65_534, 65_534);
        assert.throws(() => new FileRegistry({ directory }), /must be owned by the user running this process/);
      });
    });

    describe('when the directory is a symbolic link', () => {
      it('F6: should refuse it', () => {
        const link = join(root, `link${count++}`);
        symlinkSync(freshDirectory(), link);
        assert.throws(() => new FileRegistry({ directory: link }), /must be a directory, not a link/);
      });
    });

    describe('when the directory is 0750 and ours (the control case)', () => {
      it('should accept it', () => {
        assert.ok(new FileRegistry({ directory: freshDirectory(0o750) }));
      });
    });
  });

  describe('.getService', () => {
    describe('when an entry is a symbolic link to a file elsewhere', () => {
      it('F6: should skip it and log it', async () => {
        const { directory, logger, registry } = await withRealNode();
        const outside = join(root, `outside${count++}.json`);
        const forged = entryFile('linked-1');
        writeFileSync(outside, forged.text);
        symlinkSync(outside, join(directory, forged.name));
        assert.deepEqual((await registry.getService('orders')).flatMap((r) => r.nodes.map((n) => n.id)), ['orders-1']);
        assert.ok(logger.events('registry_entry_skipped').some((e) => e['reason'] === 'a symbolic link'));
      });
    });

    describe('when an entry is a FIFO with no writer', () => {
      it('F6: should skip it instead of blocking every reader', async () => {
        const { directory, logger, registry } = await withRealNode();
        execFileSync('mkfifo', [join(directory, entryFile('fifo-1').name)]);
        const records = await withinOrFail(registry.getService('orders'), 10_000, 'reading past a FIFO');
        assert.deepEqual(records.flatMap((r) => r.nodes.map((n) => n.id)), ['orders-1']);
        assert.ok(logger.events('registry_entry_skipped').some((e) => e['reason'] === 'not a regular file'));
      });
    });

    describe('when an entry is larger than the cap', () => {
      it('F6: should skip it without reading it', async () => {
        const { directory, logger, registry } = await withRealNode();
        const big = entryFile('big-1');
        writeFileSync(join(directory, big.name), big.text + ' '.repeat(MAX_ENTRY_BYTES));
        assert.deepEqual((await registry.getService('orders')).flatMap((r) => r.nodes.map((n) => n.id)), ['orders-1']);
        assert.ok(logger.events('registry_entry_skipped').some((e) => /larger than/.test(String(e['reason']))));
      });
    });
  });
});
