import { injectable, injectFromBase } from 'inversify';
import type { ServiceNode } from '../registry/registry.js';
import { CachedSelector } from './cached.selector.js';
import type { NodeList } from './node-cache.js';

/** RandomSelector picks any node of a service at random, from a short-lived cache. */
@injectable()
@injectFromBase({ extendConstructorArguments: true })
export class RandomSelector extends CachedSelector {
  readonly name = 'random';

  protected pick(list: NodeList): ServiceNode {
    return list.nodes[Math.floor(Math.random() * list.nodes.length)] as ServiceNode;
  }
}
