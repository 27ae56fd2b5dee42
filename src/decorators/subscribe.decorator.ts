import { checkSubscription, checkTopic } from '../broker/topic.js';
import { BastionError } from '../errors/bastion-error.js';
import type { SubscriptionPolicy } from '../metadata/models.js';
import { decoratedClass, updateHandler } from '../metadata/update.js';

/** Options of `@Subscribe`. */
export type SubscribeOptions = Omit<SubscriptionPolicy, 'topic'>;

/**
 * Makes a method handle the messages published on `topic`. Its one parameter is the
 * message, decoded and validated against the parameter's DTO class exactly as a handler's
 * request is; `@RateLimit`, `@MaxInFlight` and `@UseWrappers` apply to it too. Replicas of
 * a service share a queue group (the service name) unless `queue` says otherwise.
 *
 * @example
 * ```ts
 * @Subscribe('orders.created', { durable: 'billing' })
 * async onOrder(event: OrderCreated, ctx: CallContext) { ... }
 * ```
 * @see docs/pubsub.md
 */
export function Subscribe(topic: string, options: SubscribeOptions = {}): MethodDecorator {
  return (target, propertyKey) => {
    try {
      checkTopic(topic);
      checkSubscription(options);
    } catch (error) {
      throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Subscribe on ${String(propertyKey)}: ${(error as BastionError).detail}`);
    }
    const policy: SubscriptionPolicy = Object.freeze({ ...options, topic });
    updateHandler(decoratedClass(target, propertyKey), propertyKey, (handler) => ({
      ...handler,
      subscriptions: [...(handler.subscriptions ?? []), policy],
    }));
  };
}
