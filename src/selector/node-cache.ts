import { BastionError } from '../errors/bastion-error.js';
import type { Clock } from '../ratelimit/clock.js';
import type { Registry, RegistryWatcher, ServiceNode } from '../registry/registry.js';
import type { NodeFilter } from './selector.js';

/** A cached node with what a filter needs from its record. */
export interface Candidate {
  readonly node: ServiceNode;
  readonly version: string;
  /** The record's metadata with the node's own over it. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The cached nodes of one service, and where a round-robin pick goes next. */
export interface NodeList {
  readonly nodes: readonly ServiceNode[];
  /** Index of the next round-robin pick; selectors that do not rotate ignore it. */
  cursor: number;
}

interface Entry {
  candidates: readonly Candidate[];
  expiresAt: number;
  /** Round-robin cursors, one per filter, so filtered and unfiltered calls each rotate fairly. */
  readonly cursors: Map<string, number>;
  /** The node lists handed out, one per filter, built on first use and dropped when the candidates change. */
  lists: Map<string, CachedList> | undefined;
}

/** A node list whose round-robin cursor lives in its service's entry, so it survives a refresh. */
class CachedList implements NodeList {
  constructor(
    readonly nodes: readonly ServiceNode[],
    private readonly cursors: Map<string, number>,
    private readonly key: string,
  ) {}

  get cursor(): number {
    return this.cursors.get(this.key) ?? Math.floor(Math.random() * this.nodes.length);
  }

  set cursor(value: number) {
    this.cursors.set(this.key, value);
  }
}

// Each watched service costs a watcher; past this many the least recent stop being watched.
const MAX_WATCHED = 256;
const MAX_LISTS = 64;

/**
 * NodeCache keeps the node list of each service for a short time (go-micro's
 * `registry/cache`), reading every version of the service from the registry once the
 * list is older than the cache time or, when watching, as soon as the registry reports a
 * change; a node marked failed is left out until then.
 */
export class NodeCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly watchers = new Map<string, RegistryWatcher>();

  constructor(
    private readonly registry: Registry,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly watch = false,
  ) {}

  /** The nodes of `service` passing `filter`; throws a `503` BastionError when there is none. */
  async get(service: string, filter?: NodeFilter): Promise<NodeList> {
    return this.peek(service, filter) ?? listOf(service, await this.refresh(service), filter);
  }

  /**
   * `get` without waiting: the list while the cached entry is fresh (throwing the same `503`
   * when no node passes the filter), `undefined` when the registry must be read first.
   */
  peek(service: string, filter?: NodeFilter): NodeList | undefined {
    const entry = this.entries.get(service);
    return entry !== undefined && entry.expiresAt > this.clock.now() ? listOf(service, entry, filter) : undefined;
  }

  /** Leaves `node` out of the list of `service` until the next read of the registry. */
  markFailed(service: string, node: ServiceNode): void {
    const entry = this.entries.get(service);
    if (entry === undefined) return;
    entry.candidates = entry.candidates.filter((c) => c.node.id !== node.id);
    entry.lists = undefined;
  }

  /** Stops every watcher. */
  close(): void {
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  // Callers that miss together share one registry read instead of each making their own.
  private refresh(service: string): Promise<Entry> {
    let pending = this.loading.get(service);
    if (pending === undefined) {
      pending = this.load(service).finally(() => this.loading.delete(service));
      this.loading.set(service, pending);
    }
    return pending;
  }

  private async load(service: string): Promise<Entry> {
    const records = await this.registry.getService(service);
    const byId = new Map<string, Candidate>();
    for (const record of records) {
      for (const node of record.nodes) {
        if (!byId.has(node.id)) byId.set(node.id, { node, version: record.version, metadata: { ...record.metadata, ...node.metadata } });
      }
    }
    const previous = this.entries.get(service);
    const entry: Entry = { candidates: [...byId.values()], expiresAt: this.clock.now() + this.ttlMs, cursors: previous?.cursors ?? new Map(), lists: undefined };
    // Unknown services are not kept, so asking for made-up names cannot grow the cache.
    if (entry.candidates.length === 0) {
      this.entries.delete(service);
      this.unwatch(service);
    } else {
      this.entries.set(service, entry);
      this.startWatching(service);
    }
    return entry;
  }

  private startWatching(service: string): void {
    if (!this.watch || this.watchers.has(service)) return;
    if (this.watchers.size >= MAX_WATCHED) this.unwatch(this.watchers.keys().next().value as string);
    const watcher = this.registry.watch(service);
    this.watchers.set(service, watcher);
    void (async () => {
      for await (const _event of watcher) {
        const entry = this.entries.get(service);
        if (entry !== undefined) entry.expiresAt = 0;
      }
    })().catch(() => this.unwatch(service));
  }

  private unwatch(service: string): void {
    this.watchers.get(service)?.close();
    this.watchers.delete(service);
  }
}

function listOf(service: string, entry: Entry, filter: NodeFilter | undefined): NodeList {
  const key = filter === undefined ? '' : JSON.stringify([filter.version, Object.entries(filter.metadata ?? {}).sort()]);
  let list = entry.lists?.get(key);
  if (list === undefined) {
    const candidates = filter === undefined ? entry.candidates : entry.candidates.filter((c) => matches(c, filter));
    list = new CachedList(
      candidates.map((c) => c.node),
      entry.cursors,
      key,
    );
    // Bounded like the cursors: a handful of filters per service in practice.
    if (entry.lists === undefined || entry.lists.size >= MAX_LISTS) entry.lists = new Map();
    entry.lists.set(key, list);
  }
  if (list.nodes.length === 0) throw noNodes(service);
  return list;
}

function matches(candidate: Candidate, filter: NodeFilter): boolean {
  if (filter.version !== undefined && candidate.version !== filter.version) return false;
  for (const [key, value] of Object.entries(filter.metadata ?? {})) if (candidate.metadata[key] !== value) return false;
  return true;
}

function noNodes(service: string): BastionError {
  return new BastionError(
    'BST_ERR_CLIENT_NO_NODES',
    `No node of service '${service.slice(0, 64)}' is available (is it running, and in registryPolicy.allowServices of this application?)`,
  );
}
