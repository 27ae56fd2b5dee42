import assert from 'node:assert/strict';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, RequireMutualTLS, Service } from '../../src/index.js';
import { FrameDecoder } from '../../src/transport/framing.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class Ping {
  @IsString()
  text!: string;
}

@RequireMutualTLS()
@Service({ name: 'pinger' })
class Pinger {
  @Handler()
  ping(request: Ping) {
    return { pong: request.text };
  }

  @Handler()
  throwsOddity(request: Ping): never {
    throw { toString: 1, text: request.text };
  }
}

/** A raw error frame whose field constraints hold an object that String() cannot convert. */
function poisonedErrorFrame(): Buffer {
  const header = Buffer.from(
    JSON.stringify({ id: 'x', code: 1, status: 's', detail: 'd', fields: [{ path: 'p', constraints: [{ toString: 1 }] }] }),
  );
  const frame = Buffer.alloc(13 + header.length);
  frame.writeUInt32BE(9 + header.length, 0);
  frame[4] = 3;
  frame.writeUInt32BE(1, 5);
  frame.writeUInt32BE(header.length, 9);
  header.copy(frame, 13);
  return frame;
}

describe('crafted frames', () => {
  let pki: TestPki;
  let registry: MemoryRegistry;
  let server: Bastion;
  let client: Bastion;
  let port: number;
  const logger = new RecordingLogger();

  before(async () => {
    pki = await createTestPki();
    registry = new MemoryRegistry();
    server = await Bastion.create({ services: [Pinger], tls: await pki.tlsFor('pinger'), registry, logger });
    port = (await server.start()).port;
    client = await Bastion.create({ tls: await pki.tlsFor('caller'), registry, registryPolicy: { allowServices: ['pinger'] }, logger });
  });
  after(async () => {
    await client?.stop();
    await server?.stop();
  });

  describe('FrameDecoder.push', () => {
    describe('when an error frame carries constraints String() cannot convert', () => {
      it('should throw a typed malformed-frame error, not a TypeError', () => {
        assert.throws(
          () => new FrameDecoder(1 << 20).push(poisonedErrorFrame(), () => {}),
          (e) => BastionError.hasId(e, 'BST_ERR_TRANSPORT_MALFORMED_FRAME'),
        );
      });
    });
  });

  describe('when a peer with a CA-signed certificate sends that frame to the server', () => {
    it('should close only that connection and keep serving others', async () => {
      const attacker = await pki.issue('whatever', { omitSpiffeUri: true });
      const closed = await new Promise<boolean>((resolve) => {
        const socket: TLSSocket = connect(
          { host: '127.0.0.1', port, ca: pki.ca.certPem, cert: attacker.certPem, key: attacker.keyPem, checkServerIdentity: () => undefined },
          () => socket.write(poisonedErrorFrame()),
        );
        socket.on('error', () => {});
        socket.resume();
        socket.on('close', () => resolve(true));
        socket.setTimeout(5000, () => resolve(false));
      });
      assert.equal(closed, true);
      assert.deepEqual(await client.client.call('pinger', 'Pinger.ping', { text: 'still here' }), { pong: 'still here' });
    });
  });

  describe('when a handler throws a value that cannot be turned into text', () => {
    it('should answer 500 and keep serving', async () => {
      await assert.rejects(client.client.call('pinger', 'Pinger.throwsOddity', { text: 'x' }), (e) => BastionError.hasId(e, 'BST_ERR_SERVER_INTERNAL'));
      assert.deepEqual(await client.client.call('pinger', 'Pinger.ping', { text: 'after' }), { pong: 'after' });
    });
  });
});
