import { constants, lstatSync, mkdirSync } from 'node:fs';
import { open, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DeregisterOptions, RegisterOptions, Registry, RegistryWatcher, ServiceRecord } from './registry.js';
import { checkTtl, decodeEntry, encodeEntry, entriesOf, nodeKey, recordsOf, serviceKeyPrefix, type StoredEntry } from './stored-entry.js';
import { watchRegistry } from './watch.js';
import type { Logger } from '../logging/logger.js';

/** Options of the file registry. */
export interface FileRegistryOptions {
  /** The directory shared by every process of this host; created (mode 0700) when missing. */
  readonly directory: string;
  readonly watchIntervalMs?: number;
  /** Where entries that are skipped (a symlink, a FIFO, an oversized file) are reported. */
  readonly logger?: Logger;
}

/** The largest entry file read; a node entry is a few KiB at most. */
export const MAX_ENTRY_BYTES = 64 * 1024;
// O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a symlink is not followed.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

// A file this long past its expiry is swept by any reader; until then a re-registration
// racing the sweep could lose its fresh file.
const SWEEP_GRACE_MS = 60_000;

/**
 * FileRegistry shares records between the processes of one host through a directory:
 * one JSON file per node, written to a temporary name and renamed into place, so a reader
 * never sees half a file and two writers never rewrite each other's nodes. It needs no
 * server and no multicast (see docs/registry.md for why not mDNS).
 */
export class FileRegistry implements Registry {
  readonly name = 'file';
  private readonly directory: string;

  constructor(private readonly options: FileRegistryOptions) {
    this.directory = options.directory;
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    // Anyone who can write here can add nodes; only signatures checked on read would stop them.
    const stat = lstatSync(this.directory);
    if (!stat.isDirectory()) throw new RangeError(`registry directory ${this.directory} must be a directory, not a link or a file`);
    if (stat.uid !== process.getuid?.()) throw new RangeError(`registry directory ${this.directory} must be owned by the user running this process`);
    if ((stat.mode & 0o022) !== 0) throw new RangeError(`registry directory ${this.directory} is writable by its group or every user; make it 0700 or 0750`);
  }

  async register(record: ServiceRecord, options: RegisterOptions): Promise<void> {
    checkTtl(options.ttlMs);
    for (const entry of entriesOf(record, options.ttlMs, Date.now())) {
      const path = this.path(entry);
      const temporary = `${path}.${randomUUID()}.tmp`;
      await writeFile(temporary, encodeEntry(entry), { mode: 0o600 });
      await rename(temporary, path);
    }
  }

  async deregister(record: ServiceRecord, _options?: DeregisterOptions): Promise<void> {
    for (const node of record.nodes) await unlink(join(this.directory, `${nodeKey(record.name, record.version, node.id)}.json`)).catch(() => {});
  }

  getService(name: string): Promise<ServiceRecord[]> {
    return this.read(serviceKeyPrefix(name), name);
  }

  listServices(): Promise<ServiceRecord[]> {
    return this.read('s', undefined);
  }

  watch(service?: string): RegistryWatcher {
    return watchRegistry(this, service, this.options.watchIntervalMs);
  }

  private path(entry: StoredEntry): string {
    return join(this.directory, `${nodeKey(entry.head.name, entry.head.version, entry.node.id)}.json`);
  }

  private async read(prefix: string, name: string | undefined): Promise<ServiceRecord[]> {
    const now = Date.now();
    const files = (await readdir(this.directory)).filter((f) => f.startsWith(prefix) && f.endsWith('.json'));
    const entries = await Promise.all(
      files.map(async (file) => {
        const path = join(this.directory, file);
        const entry = decodeEntry(await this.readEntry(path, file));
        if (entry !== undefined && entry.expiresAt + SWEEP_GRACE_MS < now) await unlink(path).catch(() => {});
        return entry;
      }),
    );
    return recordsOf(entries, now, name);
  }

  // Only a regular file of bounded size is read; checked on the open handle, so it cannot be swapped in between.
  private async readEntry(path: string, file: string): Promise<string | undefined> {
    let handle;
    try {
      handle = await open(path, OPEN_FLAGS);
    } catch (error) {
      // A file removed since readdir is ordinary; a symlink (ELOOP) is not.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.skipped(file, (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link' : 'unreadable');
      return undefined;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return this.skipped(file, 'not a regular file');
      if (stat.size > MAX_ENTRY_BYTES) return this.skipped(file, `larger than ${MAX_ENTRY_BYTES} bytes`);
      // One byte more than stat said shows a file that grew since.
      const buffer = Buffer.alloc(stat.size + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > stat.size) return this.skipped(file, 'changed while read');
      return buffer.toString('utf8', 0, bytesRead);
    } catch {
      return this.skipped(file, 'unreadable');
    } finally {
      await handle.close();
    }
  }

  private skipped(file: string, reason: string): undefined {
    this.options.logger?.warn('registry_entry_skipped', { registry: this.name, file: file.slice(0, 128), reason });
    return undefined;
  }
}
