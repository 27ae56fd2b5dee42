// @InjectClient() hands a service the application's client without importing inversify.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Bastion, Handler, InjectClient, MemoryRegistry, Service, type Client } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

@Service({ name: 'by-constructor' })
class ByConstructor {
  constructor(@InjectClient() readonly client: Client) {}

  @Handler()
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

@Service({ name: 'by-property' })
class ByProperty {
  @InjectClient()
  readonly client!: Client;

  @Handler()
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

describe(InjectClient.name, () => {
  describe('when it decorates a constructor parameter or a property', () => {
    it("should inject the app's own client", async () => {
      const app = await Bastion.create({ services: [ByConstructor, ByProperty], insecure: true, registry: new MemoryRegistry(), logger: new RecordingLogger() });
      try {
        await app.start();
        const { client } = app;
        assert.equal(app.container.get(ByConstructor).client, client);
        assert.equal(app.container.get(ByProperty).client, client);
      } finally {
        await app.stop();
      }
    });
  });
});
