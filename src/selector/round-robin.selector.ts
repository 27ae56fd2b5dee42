import { inject, injectable, optional, unmanaged } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { SYSTEM_CLOCK, type Clock } from '../ratelimit/clock.js';
import type { Registry, ServiceNode } from '../registry/registry.js';
import { NodeCache } from './node-cache.js';
import { resolveSelectorOptions } from './options.js';
import type { NodeFilter, Selector, SelectorOptions } from './selector.js';

/** RoundRobinSelector hands out the nodes of a service in turn, from a short-lived cache. */
@injectable()
export class RoundRobinSelector implements Selector {
  readonly name = 'round-robin';
  private readonly cache: NodeCache;

  constructor(
    @inject(TOKENS.Registry) registry: Registry,
    @optional() @inject(TOKENS.Clock) clock: Clock = SYSTEM_CLOCK,
    @unmanaged() options: Partial<SelectorOptions> = {},
  ) {
    const resolved = resolveSelectorOptions(options);
    this.cache = new NodeCache(registry, resolved.cacheTtlMs, clock, resolved.watch);
  }

  async select(service: string, filter?: NodeFilter): Promise<ServiceNode> {
    const list = await this.cache.get(service, filter);
    const index = list.cursor % list.nodes.length;
    list.cursor = index + 1;
    return list.nodes[index] as ServiceNode;
  }

  markFailed(service: string, node: ServiceNode): void {
    this.cache.markFailed(service, node);
  }

  close(): void {
    this.cache.close();
  }
}
