import { decoratedClass, updateHandler } from '../metadata/update.js';

/**
 * Declares that calling the handler twice has the same effect as calling it once (a read,
 * a put by id). The flag is registered with the endpoint, and clients then retry it after
 * a `503` or a `408`, on another node when there is one; other endpoints are retried only
 * when the call cannot have reached the handler.
 *
 * @example
 * ```ts
 * @Idempotent()
 * @Handler() get(req: GetOrder): Order { ... }
 * ```
 * @see docs/client.md
 */
export function Idempotent(): MethodDecorator {
  return (target, propertyKey) => {
    updateHandler(decoratedClass(target, propertyKey), propertyKey, (handler) => ({ ...handler, idempotent: true }));
  };
}
