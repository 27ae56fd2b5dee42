// Two nodes of `inventory`, a typed client proxy with retries and a breaker, and a rolling
// restart of one node while calls keep flowing.
import { Bastion, MemoryRegistry } from '../../src/index.js';
import { Inventory } from './inventory.service.js';

export async function runResilientClientExample(): Promise<{ health: string; level: number; calls: number; failures: number }> {
  const registry = new MemoryRegistry();
  const node = (port = 0) => Bastion.create({ services: [Inventory], insecure: true, registry, logLevel: 'error', server: { port } });
  const a = await node();
  const b = await node();
  const portA = (await a.start()).port;
  await b.start();
  const shop = await Bastion.create({
    insecure: true,
    registry,
    registryPolicy: { allowServices: ['inventory'] },
    logLevel: 'error',
    client: { timeoutMs: 2000, retry: { retries: 3, baseDelayMs: 10 }, breaker: { failureThreshold: 5, coolDownMs: 1000 }, pool: { size: 2 } },
  });
  const inventory = shop.client.proxy(Inventory);
  try {
    const health = (await shop.client.health('inventory')).status;
    const { level } = await inventory.level({ sku: 'apple' }, { metadata: { 'trace-id': 'demo-1' } });
    let calls = 0;
    let failures = 0;
    const load = (async () => {
      for (let i = 0; i < 200; i++) {
        await inventory.level({ sku: 'apple' }).then(() => calls++, () => failures++);
      }
    })();
    // Rolling restart: deregister, drain, close; then start again on the same port.
    await a.stop();
    const again = await node(portA);
    await again.start();
    await load;
    await again.stop();
    return { health, level, calls, failures };
  } finally {
    await shop.stop();
    await b.stop();
  }
}
