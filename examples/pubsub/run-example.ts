// Two apps sharing one broker: the shop publishes, billing subscribes. Pass a NATS URL to use
// the NATS broker with a JetStream stream instead of the in-process MemoryBroker.
import { Bastion, brokerModule, MemoryBroker, natsBrokerModule } from '../../src/index.js';
import { Billing, OrderCreated } from './billing.service.js';

export async function runPubsubExample(natsUrl?: string): Promise<string[]> {
  const memory = new MemoryBroker();
  const broker = () => (natsUrl === undefined ? brokerModule(memory) : natsBrokerModule({ servers: natsUrl, stream: 'EXAMPLE_ORDERS' }));
  const billing = await Bastion.create({ services: [Billing], insecure: true, logLevel: 'error', modules: [broker()] });
  const shop = await Bastion.create({ insecure: true, logLevel: 'error', modules: [broker()] });
  await billing.start();
  try {
    const order = Object.assign(new OrderCreated(), { id: 'o-1', quantity: 3 });
    await shop.broker.publish('orders.created', order, { metadata: { 'trace-id': 'a1b2' } });
    // Refused before the subscriber runs (quantity is not an integer), logged, never redelivered.
    await shop.broker.publish('orders.created', { id: 'o-2', quantity: 'lots' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    return billing.container.get(Billing).invoiced;
  } finally {
    await billing.stop();
    await shop.stop();
  }
}
