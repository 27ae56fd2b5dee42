// @RateLimit, @MaxInFlight, @UseWrappers and client wrappers through Bastion.create over
// real mutual TLS, with certificates made at test time.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContainerModule } from 'inversify';
import {
  Bastion,
  BastionError,
  Handler,
  MaxInFlight,
  MemoryRateLimitMetrics,
  MemoryRegistry,
  RateLimit,
  Service,
  TOKENS,
  UseWrappers,
  type ClientWrapper,
} from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

const trace: string[] = [];
// One shape serves as a server and a client wrapper: both are (context, next) => Promise.
const traced =
  (name: string) =>
  async (_ctx: unknown, next: () => Promise<unknown>): Promise<unknown> => {
    trace.push(`>${name}`);
    const result = await next();
    trace.push(`<${name}`);
    return result;
  };

let inSlow = 0;
let releaseSlow: () => void = () => undefined;
let slowGate = Promise.resolve();

@UseWrappers(traced('class-a'), traced('class-b'))
@Service({ name: 'orders' })
class Orders {
  @RateLimit({ tokensPerInterval: 10, interval: 'second', bucketSize: 10, key: 'peer' })
  @Handler()
  place(): { ok: boolean } {
    return { ok: true };
  }

  @MaxInFlight(4)
  @Handler()
  async slow(): Promise<string> {
    inSlow++;
    await slowGate;
    inSlow--;
    return 'done';
  }

  @UseWrappers(traced('method'))
  @Handler()
  traced(): string {
    trace.push('handler');
    return 'traced';
  }
}

describe('rate limiting through Bastion', () => {
  let pki: TestPki;
  let server: Bastion;
  let billing: Bastion;
  let shipping: Bastion;
  const registry = new MemoryRegistry();
  const logger = new RecordingLogger();

  before(async () => {
    pki = await createTestPki();
    // Time stands still for the buckets, so a slow TLS burst cannot earn a refilled token.
    const frozenClock = new ContainerModule(({ bind }) => void bind(TOKENS.Clock).toConstantValue({ now: () => 0 }));
    server = await Bastion.create({ services: [Orders], tls: await pki.tlsFor('orders'), registry, logger, wrappers: [() => traced('global')], modules: [frozenClock] });
    await server.start();
    const caller = async (name: string, clientWrappers: ClientWrapper[] = []) =>
      Bastion.create({ tls: await pki.tlsFor(name), registry, registryPolicy: { allowServices: ['orders'] }, logger, clientWrappers });
    billing = await caller('billing', [traced('client-outer'), traced('client-inner')]);
    shipping = await caller('shipping');
  });

  after(async () => {
    releaseSlow();
    await billing?.stop();
    await shipping?.stop();
    await server?.stop();
  });

  describe('@RateLimit', () => {
    describe('when 50 calls from one peer arrive together against 10 per second, burst 10', () => {
      it('should let exactly 10 through and answer 40 with a typed 429 whose retry-after is within one interval', async () => {
        const results = await Promise.allSettled(Array.from({ length: 50 }, () => billing.client.call('orders', 'Orders.place', {})));
        const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        assert.equal(results.length - refused.length, 10);
        assert.equal(refused.length, 40);
        for (const error of refused) {
          assert.ok(BastionError.hasId(error, 'BST_ERR_RATELIMIT_EXCEEDED'), String(error));
          assert.equal(error.code, 429);
          assert.ok(Number.isInteger(error.retryAfterMs) && (error.retryAfterMs as number) > 0 && (error.retryAfterMs as number) <= 1000);
        }
        const metrics = server.container.get<MemoryRateLimitMetrics>(TOKENS.RateLimitMetrics);
        assert.equal(metrics.count({ endpoint: 'Orders.place', keyKind: 'peer', outcome: 'rejected' }), 40);
        assert.equal(metrics.count({ endpoint: 'Orders.place', keyKind: 'peer', outcome: 'allowed' }), 10);
      });
    });

    describe("when a second peer with its own certificate calls under key 'peer'", () => {
      it('should give it its own budget: the first peer cannot exhaust it', async () => {
        const results = await Promise.allSettled(Array.from({ length: 12 }, () => shipping.client.call('orders', 'Orders.place', {})));
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
      });
    });
  });

  describe('@MaxInFlight(4)', () => {
    describe('when four slow calls are running', () => {
      it('should answer the fifth concurrent call with 503 at once, and serve again once they finish', async () => {
        slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
        const running = Array.from({ length: 4 }, () => billing.client.call('orders', 'Orders.slow', {}));
        while (inSlow < 4) await new Promise((resolve) => setImmediate(resolve));
        await assert.rejects(billing.client.call('orders', 'Orders.slow', {}), (e) => {
          assert.ok(BastionError.hasId(e, 'BST_ERR_SERVER_OVERLOADED'));
          assert.equal(e.code, 503);
          return true;
        });
        assert.equal(inSlow, 4, 'the shed call never reached the handler');
        releaseSlow();
        assert.deepEqual(await Promise.all(running), ['done', 'done', 'done', 'done']);
        assert.equal(await billing.client.call('orders', 'Orders.slow', {}), 'done');
        const metrics = server.container.get<MemoryRateLimitMetrics>(TOKENS.RateLimitMetrics);
        assert.equal(metrics.count({ endpoint: 'Orders.slow', outcome: 'shed' }), 1);
      });
    });
  });

  describe('wrapper order', () => {
    describe('when a call goes through client wrappers, global, class and method wrappers', () => {
      it('should run client wrappers outermost, then global, class (in order), method, handler', async () => {
        trace.length = 0;
        assert.equal(await billing.client.call('orders', 'Orders.traced', {}), 'traced');
        assert.deepEqual(trace, [
          '>client-outer',
          '>client-inner',
          '>global',
          '>class-a',
          '>class-b',
          '>method',
          'handler',
          '<method',
          '<class-b',
          '<class-a',
          '<global',
          '<client-inner',
          '<client-outer',
        ]);
      });
    });

    describe('when the rate limit refuses a call', () => {
      it('should not run the user wrappers for it', async () => {
        trace.length = 0;
        const results = await Promise.allSettled(Array.from({ length: 15 }, () => billing.client.call('orders', 'Orders.place', {})));
        const passed = results.filter((r) => r.status === 'fulfilled').length;
        assert.ok(passed < 15);
        assert.equal(trace.filter((t) => t === '>client-outer').length, 15);
        assert.equal(trace.filter((t) => t === '>global').length, passed);
      });
    });
  });
});
