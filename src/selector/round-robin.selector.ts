import { injectable, injectFromBase } from 'inversify';
import type { ServiceNode } from '../registry/registry.js';
import { CachedSelector } from './cached.selector.js';
import type { NodeList } from './node-cache.js';

/** RoundRobinSelector hands out the nodes of a service in turn, from a short-lived cache. */
@injectable()
@injectFromBase({ extendConstructorArguments: true })
export class RoundRobinSelector extends CachedSelector {
  readonly name = 'round-robin';

  protected pick(list: NodeList): ServiceNode {
    const index = list.cursor % list.nodes.length;
    list.cursor = index + 1;
    return list.nodes[index] as ServiceNode;
  }
}
