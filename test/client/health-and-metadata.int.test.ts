// The built-in health endpoint, and caller metadata reaching handlers and nested calls.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString, Length } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, Service, TOKENS, type CallContext, type Client } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Lookup {
  @IsString()
  @Length(1, 32)
  sku!: string;
}

interface Seen {
  metadata: Record<string, string>;
  remaining: number;
}
const seen: Seen[] = [];

@Service({ name: 'stock' })
class Stock {
  @Handler()
  level(lookup: Lookup, ctx: CallContext): { sku: string } {
    seen.push({ metadata: { ...ctx.metadata }, remaining: ctx.remainingMs() });
    return { sku: lookup.sku };
  }
}

@Service({ name: 'orders' })
class Orders {
  client: Client | undefined;

  @Handler()
  async place(lookup: Lookup): Promise<{ sku: string }> {
    // A nested call made with no options: metadata and deadline come from the call being served.
    return (this.client as Client).call('stock', 'Stock.level', { sku: lookup.sku });
  }
}

describe('Health and call metadata', () => {
  const registry = new MemoryRegistry();
  const logger = new RecordingLogger();
  const policy = { allowServices: ['stock', 'orders'] };
  let stock: Bastion;
  let orders: Bastion;
  let caller: Bastion;

  before(async () => {
    stock = await Bastion.create({ services: [Stock], insecure: true, registry, registryPolicy: policy, logger });
    orders = await Bastion.create({ services: [Orders], insecure: true, registry, registryPolicy: policy, logger });
    caller = await Bastion.create({ insecure: true, registry, registryPolicy: policy, logger });
    await stock.start();
    await orders.start();
    orders.container.get(Orders).client = orders.container.get<Client>(TOKENS.Client);
  });
  after(async () => {
    await caller.stop();
    await orders.stop();
    await stock.stop();
  });

  describe('.health', () => {
    describe('when a node of the service is serving', () => {
      it('should answer serving without running any handler', async () => {
        const before = seen.length;
        assert.deepEqual(await caller.client.health('stock'), { service: 'stock', status: 'serving' });
        assert.equal(seen.length, before);
      });
    });

    describe('when no node of the service is up', () => {
      it('should reject with a 503', async () => {
        await assert.rejects(caller.client.health('billing', { retry: { retries: 0 } }), (e: unknown) => BastionError.is(e) && e.code === 503);
      });
    });
  });

  describe('Bastion.create', () => {
    describe('when a handler claims the health endpoint name', () => {
      it('should refuse to boot', async () => {
        @Service({ name: 'sneaky' })
        class Sneaky {
          @Handler({ name: 'Bastion.health' })
          fake(): { status: string } {
            return { status: 'serving' };
          }
        }
        await assert.rejects(Bastion.create({ services: [Sneaky], insecure: true, logger }), /reserved for the built-in health check/);
      });
    });
  });

  describe('.call', () => {
    describe('when the caller sets metadata and a deadline, and the handler calls another service', () => {
      it('should carry the propagated keys (not the others) and a deadline no longer than the caller has left', async () => {
        seen.length = 0;
        const metadata = { 'trace-id': 'trace-7', 'x-request-id': 'req-9', 'x-secret-hint': 'not-forwarded' };
        await caller.client.call('orders', 'Orders.place', { sku: 'a-1' }, { metadata, timeoutMs: 1500 });
        assert.equal(seen.length, 1);
        assert.deepEqual(seen[0]?.metadata, { 'trace-id': 'trace-7', 'x-request-id': 'req-9' });
        assert.ok((seen[0]?.remaining ?? Infinity) <= 1500);
      });
    });

    describe('when the caller sets metadata on a direct call', () => {
      it('should reach the handler as sent', async () => {
        seen.length = 0;
        await caller.client.call('stock', 'Stock.level', { sku: 'a-2' }, { metadata: { 'trace-id': 't', tenant: 'acme' } });
        assert.deepEqual(seen[0]?.metadata, { 'trace-id': 't', tenant: 'acme' });
      });
    });
  });
});
