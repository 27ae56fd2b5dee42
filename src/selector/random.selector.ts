import { inject, injectable, optional, unmanaged } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { SYSTEM_CLOCK, type Clock } from '../ratelimit/clock.js';
import type { Registry, ServiceNode } from '../registry/registry.js';
import { NodeCache } from './node-cache.js';
import { resolveSelectorOptions } from './options.js';
import type { NodeFilter, Selector, SelectorOptions } from './selector.js';

/** RandomSelector picks any node of a service at random, from a short-lived cache. */
@injectable()
export class RandomSelector implements Selector {
  readonly name = 'random';
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
    const { nodes } = await this.cache.get(service, filter);
    return nodes[Math.floor(Math.random() * nodes.length)] as ServiceNode;
  }

  markFailed(service: string, node: ServiceNode): void {
    this.cache.markFailed(service, node);
  }

  close(): void {
    this.cache.close();
  }
}
