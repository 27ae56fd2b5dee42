// start() on a port someone else holds fails with a boot error naming the address, not
// Node's bare `listen EADDRINUSE`, and leaves the app stoppable.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Bastion, BastionError, Handler, MemoryRegistry, Service, type BastionOptions } from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

@Service({ name: 'squatted' })
class Squatted {
  @Handler()
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

/** Asserts that `start()` rejects with the boot error for `what` on 127.0.0.1:`port`, then stops the app. */
async function assertPortInUse(app: Bastion, what: string, port: number): Promise<void> {
  try {
    await assert.rejects(app.start(), (error: unknown) => {
      assert.ok(BastionError.hasId(error, 'BST_ERR_BOOT_INVALID_CONFIG'), String(error));
      assert.equal(error.detail, `The ${what} cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE); stop the other process or choose another port`);
      return true;
    });
  } finally {
    await app.stop();
  }
}

describe('Bastion.start', () => {
  let pki: TestPki;
  let squatter: Server;
  let port: number;
  const logger = new RecordingLogger();

  before(async () => {
    pki = await createTestPki();
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    port = (squatter.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => squatter.close(() => resolve())));

  const options = async (extra: Partial<BastionOptions>): Promise<BastionOptions> => ({
    services: [Squatted],
    registry: new MemoryRegistry(),
    logger,
    ...extra,
  });

  describe('when the server port is in use', () => {
    it('should reject with BST_ERR_BOOT_INVALID_CONFIG naming host:port, over mutual TLS', async () => {
      const app = await Bastion.create(await options({ tls: await pki.tlsFor('squatted'), server: { host: '127.0.0.1', port } }));
      await assertPortInUse(app, 'server', port);
    });

    it('should do the same on the insecure TCP transport', async () => {
      const app = await Bastion.create(await options({ insecure: true, server: { host: '127.0.0.1', port } }));
      await assertPortInUse(app, 'server', port);
    });

    it('should register nothing, so no caller is sent to the other process', async () => {
      const registry = new MemoryRegistry();
      const app = await Bastion.create(await options({ registry, insecure: true, server: { host: '127.0.0.1', port } }));
      await assertPortInUse(app, 'server', port);
      assert.deepEqual(await registry.getService('squatted'), []);
    });
  });

  describe('when the metrics endpoint port is in use', () => {
    it('should reject naming the metrics endpoint, and stop() should still close the server', async () => {
      const app = await Bastion.create(
        await options({ tls: await pki.tlsFor('squatted'), observability: { metrics: { endpoint: { host: '127.0.0.1', port } } } }),
      );
      await assertPortInUse(app, 'metrics endpoint', port);
    });
  });
});
