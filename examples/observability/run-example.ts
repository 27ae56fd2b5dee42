import { Bastion, BastionError, ConsoleLogger, ensureDevPki, MemoryRegistry, MemoryTracer, type TLSOptions } from '../../src/index.js';
import { Inventory } from './inventory.service.js';

/** What the example saw: the log records, the scrape and both sides of one trace. */
export interface ObservabilityOutcome {
  /** Every JSON line the inventory server logged at `info` and above. */
  readonly serverLog: readonly Record<string, unknown>[];
  /** The text `GET /metrics` returned. */
  readonly metricsText: string;
  /** The trace id the shop's span sent and the one the handler saw. */
  readonly clientTraceId: string | undefined;
  readonly handlerTraceId: string | undefined;
}

const TRUST_DOMAIN = 'bastion.local';

/** Boots `inventory` with metrics and tracing on, calls it as `shop` and as `stranger`, and scrapes it. */
export async function runObservabilityExample(pkiDir: string): Promise<ObservabilityOutcome> {
  const paths = await ensureDevPki(pkiDir, TRUST_DOMAIN, ['inventory', 'shop', 'stranger']);
  const tls = (name: 'inventory' | 'shop' | 'stranger'): TLSOptions => {
    const p = paths[name] as { ca: string; cert: string; key: string };
    return { ca: { path: p.ca }, cert: { path: p.cert }, key: { path: p.key }, trustDomain: TRUST_DOMAIN };
  };
  const registry = new MemoryRegistry();
  const serverLog: Record<string, unknown>[] = [];
  const shopTracer = new MemoryTracer();

  const server = await Bastion.create({
    services: [Inventory],
    tls: tls('inventory'),
    registry,
    logger: new ConsoleLogger({ level: 'info', redact: ['x-api-key'], write: (line) => serverLog.push(JSON.parse(line) as Record<string, unknown>) }),
    observability: { metrics: { endpoint: { host: '127.0.0.1', port: 0 } }, tracing: { tracer: new MemoryTracer() } },
  });
  await server.start();
  const quiet = new ConsoleLogger('silent');
  const callers = { registry, registryPolicy: { allowServices: ['inventory'] }, logger: quiet };
  const shop = await Bastion.create({ tls: tls('shop'), ...callers, observability: { tracing: { tracer: shopTracer } } });
  const stranger = await Bastion.create({ tls: tls('stranger'), ...callers });
  try {
    let handlerTraceId: string | undefined;
    for (let i = 0; i < 4; i++) {
      try {
        const reply = await shop.client.call<{ traceId: string }>('inventory', 'Inventory.reserve', { sku: 'tea', quantity: 2 });
        handlerTraceId ??= reply.traceId;
      } catch (error) {
        if (!BastionError.is(error) || error.code !== 429) throw error;
      }
    }
    await stranger.client.call('inventory', 'Inventory.reserve', { sku: 'tea', quantity: 1 }).catch(() => undefined);
    const endpoint = server.metricsEndpoint;
    const metricsText = await (await fetch(`http://${endpoint?.host}:${endpoint?.port}${endpoint?.path}`)).text();
    return { serverLog, metricsText, clientTraceId: shopTracer.spans()[0]?.context.traceId, handlerTraceId };
  } finally {
    await Promise.all([shop.stop(), stranger.stop()]);
    await server.stop();
  }
}
