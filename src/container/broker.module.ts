import { ContainerModule } from 'inversify';
import type { Broker } from '../broker/broker.js';
import { NatsBroker, type NatsBrokerOptions } from '../broker/nats.broker.js';
import type { Logger } from '../logging/logger.js';
import { TOKENS } from './tokens.js';

/**
 * Replaces the app's in-memory broker with `broker`, for example one MemoryBroker shared
 * by several apps of one process.
 */
export function brokerModule(broker: Broker): ContainerModule {
  return new ContainerModule(({ rebind }) => {
    rebind(TOKENS.Broker).toConstantValue(broker);
  });
}

/**
 * Binds the NATS broker: core NATS subjects, and JetStream (durable subscriptions with
 * acknowledgement) when `stream` is given. The app closes the connection at `stop()`.
 *
 * @example
 * ```ts
 * Bastion.create({ services: [Billing], tls, modules: [natsBrokerModule({ servers: 'nats://127.0.0.1:4222', stream: 'EVENTS' })] });
 * ```
 * @see docs/pubsub.md
 */
export function natsBrokerModule(options: NatsBrokerOptions = {}): ContainerModule {
  return new ContainerModule(({ rebind }) => {
    rebind(TOKENS.Broker)
      .toDynamicValue((ctx) => {
        const logger = ctx.get<Logger>(TOKENS.Logger);
        return new NatsBroker(options, (message, reason) => logger.warn('message_dropped', { topic: message.topic, reason }));
      })
      .inSingletonScope();
  });
}
