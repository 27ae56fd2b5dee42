// Client resilience over real sockets (plain TCP; TLS uses the same listener and client
// connection): failover when a node dies mid-load, a rolling restart under steady load,
// and a per-node circuit breaker opening and closing.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { Bastion, BastionError, Handler, Idempotent, MemoryRegistry, Service } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Item {
  @IsString()
  @Length(1, 32)
  sku!: string;

  @IsInt()
  @Min(0)
  @Max(2000)
  slowMs!: number;
}

let instances = 0;
let failing = false;
/** Which node started which handler, so a test can kill a node once calls are running on it. */
const running: { node: number; endpoint: string }[] = [];
let checks = 0;

@Service({ name: 'inventory' })
class Inventory {
  readonly label = ++instances;

  @Idempotent()
  @Handler()
  async get(item: Item): Promise<{ sku: string; node: number }> {
    running.push({ node: this.label, endpoint: 'get' });
    await new Promise((resolve) => setTimeout(resolve, item.slowMs));
    return { sku: item.sku, node: this.label };
  }

  @Handler()
  check(_item: Item): string {
    checks++;
    if (failing) throw new Error('disk full');
    return 'ok';
  }

  @Handler()
  async reserve(item: Item): Promise<{ sku: string; node: number }> {
    running.push({ node: this.label, endpoint: 'reserve' });
    await new Promise((resolve) => setTimeout(resolve, item.slowMs));
    return { sku: item.sku, node: this.label };
  }
}

const quiet = new RecordingLogger();
const policy = { allowServices: ['inventory'] };

describe('RPCClient resilience', () => {
  let registry: MemoryRegistry;
  let apps: Bastion[];

  const server = async (options: { drainMs?: number; port?: number } = {}) => {
    const app = await Bastion.create({
      services: [Inventory],
      insecure: true,
      registry,
      logger: quiet,
      server: { drainMs: options.drainMs ?? 5000, ...(options.port === undefined ? {} : { port: options.port }) },
    });
    apps.push(app);
    return app;
  };
  const client = async (clientOptions: Parameters<typeof Bastion.create>[0]['client'] = {}) => {
    const app = await Bastion.create({ insecure: true, registry, registryPolicy: policy, logger: quiet, client: clientOptions });
    apps.push(app);
    return app;
  };

  beforeEach(() => {
    registry = new MemoryRegistry();
    apps = [];
  });
  afterEach(async () => {
    for (const app of apps.reverse()) await app.stop();
  });
  after(() => quiet.records.splice(0));

  describe('.call', () => {
    describe('when one of two nodes is killed with calls in flight', () => {
      it('should fail idempotent calls over to the other node, and fail only non-idempotent calls that were on it', async () => {
        const a = await server({ drainMs: 0 });
        const b = await server();
        await a.start();
        await b.start();
        const caller = await client({ retry: { retries: 3, baseDelayMs: 5 } });
        const inventory = caller.client.proxy(Inventory);
        running.length = 0;
        const gets = Array.from({ length: 10 }, (_, i) => inventory.get({ sku: `g${i}`, slowMs: 1000 }));
        const reserves = Array.from({ length: 10 }, (_, i) => inventory.reserve({ sku: `r${i}`, slowMs: 1000 }).catch((e: unknown) => e));
        const labelA = a.container.get(Inventory).label;
        for (let i = 0; i < 400; i++) {
          if (['get', 'reserve'].every((endpoint) => running.some((r) => r.node === labelA && r.endpoint === endpoint))) break;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await a.stop();

        const got = await Promise.all(gets);
        assert.equal(got.length, 10);
        assert.ok(got.some((r) => r.node === b.container.get(Inventory).label));
        const outcomes = await Promise.all(reserves);
        const failed = outcomes.filter((o) => o instanceof Error);
        assert.ok(failed.length > 0 && failed.length < 10, `failed ${failed.length}`);
        for (const error of failed) assert.ok(BastionError.hasId(error, 'BST_ERR_TRANSPORT_CLOSED'), String(error));
      });
    });

    describe('when a registered node is dead (nothing listens on its port)', () => {
      it('should retry calls, idempotent or not, on the live node', async () => {
        const live = await server();
        await live.start();
        const dead = await server();
        const deadPort = (await dead.start()).port;
        await dead.container.get<{ stop(): Promise<void> }>(Symbol.for('bastion.Server')).stop();
        // The dead node's record stays: as after a crash, before its ttl expires.
        await registry.register(
          { name: 'inventory', version: 'latest', metadata: {}, endpoints: [{ name: 'Inventory.reserve', request: 'Item', codec: 'application/json' }], nodes: [{ id: 'inventory-dead', host: '127.0.0.1', port: deadPort, metadata: {} }] },
          { ttlMs: 60_000 },
        );
        const caller = await client({ retry: { retries: 2, baseDelayMs: 1 } });
        const inventory = caller.client.proxy(Inventory);
        for (let i = 0; i < 20; i++) assert.equal((await inventory.reserve({ sku: `s${i}`, slowMs: 0 })).node, live.container.get(Inventory).label);
      });
    });

    describe('when one of two nodes restarts under steady load', () => {
      it('should lose none of 2,000 calls (deregister, drain, refuse unseen, retry elsewhere)', async () => {
        const a = await server({ drainMs: 2000 });
        const b = await server();
        const portA = (await a.start()).port;
        await b.start();
        const caller = await client({ retry: { retries: 4, baseDelayMs: 5 } });
        const inventory = caller.client.proxy(Inventory);
        let done = 0;
        const failures: unknown[] = [];
        const worker = async (w: number) => {
          for (let i = w; i < 2000; i += 20) {
            await inventory.reserve({ sku: `c${i}`, slowMs: 2 }).then(
              () => done++,
              (e: unknown) => failures.push(e),
            );
          }
        };
        const load = Promise.all(Array.from({ length: 20 }, (_, w) => worker(w)));
        while (done < 300) await new Promise((resolve) => setTimeout(resolve, 5));
        await a.stop();
        const again = await server({ port: portA });
        await again.start();
        await load;
        assert.deepEqual(failures.map(String), []);
        assert.equal(done, 2000);
      });
    });

    describe('when a node keeps failing and then recovers', () => {
      it('should open its breaker (fail fast, the node is not called), then probe once after the cool-down and close', async () => {
        const node = await server();
        await node.start();
        const caller = await client({ retry: { retries: 0 }, breaker: { failureThreshold: 2, coolDownMs: 300 } });
        const idOf = async () => {
          const outcome = await caller.client.call('inventory', 'Inventory.check', { sku: 'x', slowMs: 0 }).catch((e: unknown) => e);
          return BastionError.is(outcome) ? outcome.id : JSON.stringify(outcome);
        };
        failing = true;
        checks = 0;
        assert.deepEqual([await idOf(), await idOf(), await idOf(), await idOf()], [
          'BST_ERR_SERVER_INTERNAL',
          'BST_ERR_SERVER_INTERNAL',
          'BST_ERR_CLIENT_CIRCUIT_OPEN',
          'BST_ERR_CLIENT_CIRCUIT_OPEN',
        ]);
        assert.equal(checks, 2);
        failing = false;
        await new Promise((resolve) => setTimeout(resolve, 350));
        assert.deepEqual([await idOf(), await idOf()], ['"ok"', '"ok"']);
        assert.equal(checks, 4);
      });
    });
  });
});
