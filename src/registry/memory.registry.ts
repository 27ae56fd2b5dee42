import { inject, injectable, optional } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { SYSTEM_CLOCK, type Clock } from '../ratelimit/clock.js';
import { freezeHead, freezeNode, frozenRecord, type RecordHead } from './frozen.js';
import type { RegisterOptions, Registry, RegistryWatcher, ServiceNode, ServiceRecord } from './registry.js';
import { checkTtl } from './stored-entry.js';
import { watchRegistry } from './watch.js';

interface StoredNode {
  readonly node: ServiceNode;
  readonly expiresAt: number;
}

interface StoredVersion {
  head: RecordHead;
  readonly nodes: Map<string, StoredNode>;
}

/**
 * MemoryRegistry keeps records in this process (go-micro's memory registry): one entry
 * per name and version, nodes merged by id, each node expiring `ttlMs` after its last
 * registration. It checks nothing; wrap it in the ValidatingRegistry.
 */
@injectable()
export class MemoryRegistry implements Registry {
  readonly name = 'memory';
  private readonly services = new Map<string, Map<string, StoredVersion>>();

  constructor(@optional() @inject(TOKENS.Clock) private readonly clock: Clock = SYSTEM_CLOCK) {}

  async register(record: ServiceRecord, options: RegisterOptions): Promise<void> {
    checkTtl(options.ttlMs);
    const expiresAt = this.clock.now() + options.ttlMs;
    const head = freezeHead(record);
    const nodes = record.nodes.map(freezeNode);
    let versions = this.services.get(head.name);
    if (versions === undefined) this.services.set(head.name, (versions = new Map()));
    let stored = versions.get(head.version);
    if (stored === undefined) versions.set(head.version, (stored = { head, nodes: new Map() }));
    stored.head = head;
    for (const node of nodes) stored.nodes.set(node.id, { node, expiresAt });
  }

  async deregister(record: ServiceRecord): Promise<void> {
    const versions = this.services.get(record.name);
    const stored = versions?.get(record.version);
    if (versions === undefined || stored === undefined) return;
    for (const node of record.nodes) stored.nodes.delete(node.id);
    if (stored.nodes.size === 0) versions.delete(record.version);
    if (versions.size === 0) this.services.delete(record.name);
  }

  async getService(name: string): Promise<ServiceRecord[]> {
    const versions = this.services.get(name);
    return versions === undefined ? [] : this.live(name, versions, this.clock.now());
  }

  async listServices(): Promise<ServiceRecord[]> {
    const now = this.clock.now();
    return [...this.services].flatMap(([name, versions]) => this.live(name, versions, now));
  }

  watch(service?: string): RegistryWatcher {
    return watchRegistry(this, service);
  }

  // Expiry is lazy: reads drop what has expired, so no timer keeps the process alive.
  private live(name: string, versions: Map<string, StoredVersion>, now: number): ServiceRecord[] {
    const records: ServiceRecord[] = [];
    for (const [version, stored] of versions) {
      const nodes: ServiceNode[] = [];
      for (const [id, entry] of stored.nodes) {
        if (entry.expiresAt <= now) stored.nodes.delete(id);
        else nodes.push(entry.node);
      }
      if (nodes.length === 0) versions.delete(version);
      else records.push(frozenRecord(stored.head, nodes));
    }
    if (versions.size === 0) this.services.delete(name);
    return records;
  }
}
