import { Bastion, BastionError, ConsoleLogger, ensureDevPki, MemoryRegistry, type TLSOptions, type WireError } from '../../src/index.js';
import { Orders } from './orders.service.js';
import { Stock } from './stock.service.js';

/** What shop saw calling orders, whose handler calls stock, and what orders logged. */
export interface NestedCallOutcome {
  /** The reply to a good order, with what stock saw of the nested call. */
  readonly placed: unknown;
  /** Stock's `404` for an unknown sku, as it reached shop. */
  readonly unknownSku: WireError;
  /** What shop got once stock was down. */
  readonly stockDown: WireError;
  /** The first line of each `handler_failed` record orders logged: the cause shop never sees. */
  readonly ordersLog: readonly string[];
}

const TRUST_DOMAIN = 'bastion.local';

/** Serves stock and orders, calls orders as shop (good order, unknown sku), then stops stock and calls again. */
export async function runNestedCallExample(pkiDir: string): Promise<NestedCallOutcome> {
  const paths = await ensureDevPki(pkiDir, TRUST_DOMAIN, ['stock', 'orders', 'shop']);
  const tls = (name: 'stock' | 'orders' | 'shop'): TLSOptions => {
    const p = paths[name] as { ca: string; cert: string; key: string };
    return { ca: { path: p.ca }, cert: { path: p.cert }, key: { path: p.key }, trustDomain: TRUST_DOMAIN };
  };
  const registry = new MemoryRegistry();
  const quiet = new ConsoleLogger('silent');
  const ordersLog: Record<string, unknown>[] = [];
  const stock = await Bastion.create({ services: [Stock], tls: tls('stock'), registry, logger: quiet });
  // orders calls stock with its own certificate (identity 'orders') and must trust 'stock' in the registry.
  const orders = await Bastion.create({
    services: [Orders],
    tls: tls('orders'),
    registry,
    registryPolicy: { allowServices: ['stock'] },
    logger: new ConsoleLogger({ level: 'error', write: (line) => ordersLog.push(JSON.parse(line) as Record<string, unknown>) }),
  });
  const shop = await Bastion.create({ tls: tls('shop'), registry, registryPolicy: { allowServices: ['orders'] }, logger: quiet });
  const failure = (error: unknown): WireError => {
    if (!BastionError.is(error)) throw error;
    return error.toWire();
  };
  await stock.start();
  await orders.start();
  try {
    const metadata = { 'trace-id': 'trace-42', tenant: 'acme' };
    const placed = await shop.client.call('orders', 'Orders.place', { sku: 'tea', quantity: 2 }, { metadata, timeoutMs: 2_000 });
    const unknownSku = await shop.client.call('orders', 'Orders.place', { sku: 'matcha', quantity: 1 }).then(() => undefined, failure);
    await stock.stop();
    const stockDown = await shop.client.call('orders', 'Orders.place', { sku: 'tea', quantity: 1 }).then(() => undefined, failure);
    if (unknownSku === undefined || stockDown === undefined) throw new Error('a call that should have failed succeeded');
    return { placed, unknownSku, stockDown, ordersLog: ordersLog.filter((record) => record['event'] === 'handler_failed').map((record) => String(record['error']).split('\n')[0] as string) };
  } finally {
    await shop.stop();
    await orders.stop();
    await stock.stop();
  }
}
