// Calls over NATS request/reply (127.0.0.1:4222): same codecs, validation and wrappers as
// direct TLS, and caller identities proven by signed tokens instead of certificates.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { IsString, Length } from 'class-validator';
import { Bastion, BastionError, Handler, MemoryRegistry, natsTransportModule, RequireMutualTLS, Service, type CallContext } from '../../src/index.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
const prefix = `bt.rpc.${process.pid}x${Date.now().toString(36)}`;

class Hello {
  @IsString()
  @Length(1, 32)
  name!: string;
}

@Service({ name: 'greeter' })
class Greeter {
  @Handler()
  hello(hello: Hello, ctx: CallContext): { greeting: string; caller: string } {
    return { greeting: `Hello ${hello.name}`, caller: ctx.peer.identity?.name ?? 'anonymous' };
  }

  @RequireMutualTLS({ allow: ['frontend'] })
  @Handler()
  secret(hello: Hello): { greeting: string } {
    return { greeting: `Psst ${hello.name}` };
  }
}

const keys = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};

describe('NatsTransport', { skip }, () => {
  const registry = new MemoryRegistry();
  const frontend = keys();
  const impostor = keys();
  const policy = { allowServices: ['greeter'] };
  const apps: Bastion[] = [];
  const app = async (options: Parameters<typeof Bastion.create>[0]) => {
    const created = await Bastion.create({ insecure: true, registry, logger: new RecordingLogger(), ...options });
    apps.push(created);
    return created;
  };
  let server: Bastion;

  before(async () => {
    server = await app({
      services: [Greeter],
      modules: [natsTransportModule({ subjectPrefix: prefix, identity: { trusted: { frontend: frontend.publicKeyPem } } })],
    });
    await server.start();
  });
  after(async () => {
    for (const created of apps.reverse()) await created.stop();
  });

  describe('.call', () => {
    describe('when a client calls through NATS', () => {
      it('should get the reply, validated and encoded as over TLS', async () => {
        const client = await app({ registryPolicy: policy, modules: [natsTransportModule({ subjectPrefix: prefix })] });
        assert.deepEqual(await client.client.proxy(Greeter).hello({ name: 'Ada' }), { greeting: 'Hello Ada', caller: 'anonymous' });
        await assert.rejects(client.client.call('greeter', 'Greeter.hello', { name: 42 }), (e: unknown) => BastionError.hasId(e, 'BST_ERR_VALIDATION_FAILED'));
      });
    });

    describe('when the caller signs its calls with a trusted identity key', () => {
      it('should be seen as that identity and pass the allow list', async () => {
        const client = await app({
          registryPolicy: policy,
          modules: [natsTransportModule({ subjectPrefix: prefix, identity: { self: { name: 'frontend', privateKeyPem: frontend.privateKeyPem } } })],
        });
        assert.equal((await client.client.proxy(Greeter).hello({ name: 'Ada' })).caller, 'frontend');
        assert.deepEqual(await client.client.proxy(Greeter).secret({ name: 'Ada' }), { greeting: 'Psst Ada' });
      });
    });

    describe('when the caller is anonymous or signs as frontend with another key', () => {
      it('should be refused by the allow list (401), never seen as frontend', async () => {
        const anonymous = await app({ registryPolicy: policy, modules: [natsTransportModule({ subjectPrefix: prefix })] });
        const forger = await app({
          registryPolicy: policy,
          modules: [natsTransportModule({ subjectPrefix: prefix, identity: { self: { name: 'frontend', privateKeyPem: impostor.privateKeyPem } } })],
        });
        for (const caller of [anonymous, forger]) {
          await assert.rejects(caller.client.proxy(Greeter).secret({ name: 'Ada' }), (e: unknown) => BastionError.hasId(e, 'BST_ERR_SECURITY_NO_CLIENT_CERT'));
          assert.equal((await caller.client.proxy(Greeter).hello({ name: 'Ada' })).caller, 'anonymous');
        }
      });
    });

    describe('when the server stops', () => {
      it('should deregister and answer no more (the client sees no node)', async () => {
        const extra = await app({ services: [Greeter], modules: [natsTransportModule({ subjectPrefix: `${prefix}.x` })] });
        await extra.start();
        assert.equal((await registry.getService('greeter')).flatMap((r) => r.nodes).length, 2);
        await extra.stop();
        assert.equal((await registry.getService('greeter')).flatMap((r) => r.nodes).length, 1);
      });
    });
  });
});
