import { inject, injectable, optional, unmanaged } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { SYSTEM_CLOCK, type Clock } from '../ratelimit/clock.js';
import type { Registry, ServiceNode } from '../registry/registry.js';
import { NodeCache, type NodeList } from './node-cache.js';
import { resolveSelectorOptions } from './options.js';
import type { NodeFilter, Selector, SelectorOptions } from './selector.js';

/**
 * The part every selector shares: a node list per service kept fresh by the registry's
 * watch, with failed nodes dropped until the next refresh. A selector only decides which
 * node of the list the next call goes to.
 */
@injectable()
export abstract class CachedSelector implements Selector {
  abstract readonly name: string;
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
    return this.pick(await this.cache.get(service, filter));
  }

  selectNow(service: string, filter?: NodeFilter): ServiceNode | undefined {
    const list = this.cache.peek(service, filter);
    return list === undefined ? undefined : this.pick(list);
  }

  markFailed(service: string, node: ServiceNode): void {
    this.cache.markFailed(service, node);
  }

  close(): void {
    this.cache.close();
  }

  /** The node of a non-empty list the next call goes to. */
  protected abstract pick(list: NodeList): ServiceNode;
}
