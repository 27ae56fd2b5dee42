import { BastionError } from '../errors/bastion-error.js';
import type { Clock } from '../ratelimit/clock.js';
import type { Registry, ServiceNode } from '../registry/registry.js';

/** The cached nodes of one service, and where a round-robin pick goes next. */
export interface NodeList {
  readonly nodes: readonly ServiceNode[];
  /** Index of the next round-robin pick; selectors that do not rotate ignore it. */
  cursor: number;
}

interface Entry extends NodeList {
  nodes: readonly ServiceNode[];
  readonly expiresAt: number;
}

/**
 * NodeCache keeps the node list of each service for a short time (go-micro's
 * `registry/cache`), reading every version of the service from the registry once the
 * list is older than the cache time; a node marked failed is left out until then.
 */
export class NodeCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly registry: Registry,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** The nodes of `service`; throws a `503` BastionError when there is none. */
  async get(service: string): Promise<NodeList> {
    const entry = this.entries.get(service);
    const fresh = entry !== undefined && entry.expiresAt > this.clock.now() ? entry : await this.refresh(service);
    if (fresh.nodes.length === 0) throw noNodes(service);
    return fresh;
  }

  /** Leaves `node` out of the list of `service` until the next read of the registry. */
  markFailed(service: string, node: ServiceNode): void {
    const entry = this.entries.get(service);
    if (entry !== undefined) entry.nodes = entry.nodes.filter((n) => n.id !== node.id);
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
    const byId = new Map<string, ServiceNode>();
    for (const record of records) for (const node of record.nodes) if (!byId.has(node.id)) byId.set(node.id, node);
    const nodes = [...byId.values()];
    const previous = this.entries.get(service);
    const entry: Entry = {
      nodes,
      // Clients started together would all hit the first node if every list began at 0.
      cursor: previous?.cursor ?? Math.floor(Math.random() * Math.max(nodes.length, 1)),
      expiresAt: this.clock.now() + this.ttlMs,
    };
    // Unknown services are not kept, so asking for made-up names cannot grow the cache.
    if (nodes.length === 0) this.entries.delete(service);
    else this.entries.set(service, entry);
    return entry;
  }
}

function noNodes(service: string): BastionError {
  return new BastionError('BST_ERR_CLIENT_NO_NODES', `No node of service '${service.slice(0, 64)}' is available`);
}
