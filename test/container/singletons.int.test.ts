import 'reflect-metadata';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { RPCClient } from '../../src/client/rpc.client.js';
import { TOKENS } from '../../src/container/tokens.js';
import { Bastion, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { ValidatingRegistry } from '../../src/registry/validating/validating.registry.js';
import { RandomSelector } from '../../src/selector/random.selector.js';
import { RPCServer } from '../../src/server/rpc.server.js';
import { TLSTransport } from '../../src/transport/tls.transport.js';
import { createTestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ping {
  @IsString()
  text!: string;
}

@Service({ name: 'single' })
class Single {
  @Handler()
  ping(request: Ping) {
    return request;
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

describe('container singletons', () => {
  describe('when an implementation is resolved through its token and through its class', () => {
    it('B31: should give one instance, listen once and close once', async () => {
      const logger = new RecordingLogger();
      const pki = await createTestPki();
      const app = await Bastion.create({ services: [Single], tls: await pki.tlsFor('single'), registry: new MemoryRegistry(), logger });
      const { container } = app;
      assert.equal(container.get(TOKENS.Transport), container.get(TLSTransport));
      assert.equal(container.get(TOKENS.Server), container.get(RPCServer));
      assert.equal(container.get(TOKENS.Client), container.get(RPCClient));
      assert.equal(container.get(TOKENS.Registry), container.get(ValidatingRegistry));
      const { port } = await app.start();
      // Selectors take their constructor from a shared base: the container must still inject the registry.
      assert.equal((await container.get(RandomSelector).select('single')).port, port);
      assert.deepEqual(await container.get<RPCServer>(RPCServer).start(), { host: '127.0.0.1', port });
      await app.stop();
      await app.stop();
      assert.equal(await refused(port), true);
      assert.equal(logger.records.filter((r) => r.event === 'server_started').length, 1);
      assert.equal(logger.records.filter((r) => r.event === 'server_stopped').length, 1);
    });
  });
});
