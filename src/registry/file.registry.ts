import { mkdirSync, statSync } from 'node:fs';
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DeregisterOptions, RegisterOptions, Registry, RegistryWatcher, ServiceRecord } from './registry.js';
import { checkTtl, decodeEntry, encodeEntry, entriesOf, nodeKey, recordsOf, serviceKeyPrefix, type StoredEntry } from './stored-entry.js';
import { watchRegistry } from './watch.js';

/** Options of the file registry. */
export interface FileRegistryOptions {
  /** The directory shared by every process of this host; created (mode 0700) when missing. */
  readonly directory: string;
  readonly watchIntervalMs?: number;
}

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
    if ((statSync(this.directory).mode & 0o002) !== 0) {
      throw new RangeError(`registry directory ${this.directory} is writable by every user; make it 0700 or 0750`);
    }
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
        const entry = decodeEntry(await readFile(path, 'utf8').catch(() => undefined));
        if (entry !== undefined && entry.expiresAt + SWEEP_GRACE_MS < now) await unlink(path).catch(() => {});
        return entry;
      }),
    );
    return recordsOf(entries, now, name);
  }
}
