// End to end over mTLS: the client picks each endpoint's codec from the registry, protobuf
// errors travel as JSON error frames (B10), and development-mode response validation.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { defineCodec } from '../../src/codec/define-codec.js';
import { ProtobufCodec } from '../../src/codec/protobuf.codec.js';
import { Bastion, BastionError, Codec, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { GREETER_ENDPOINTS, writeProtoFiles } from './proto-fixture.js';
import { rejectsBastion } from './support.js';

class HelloRequest {
  @IsString() @Length(1, 20) name!: string;
  @IsOptional() @IsInt() @Min(0) @Max(5) times?: number;
}

class HelloReply {
  @IsString() message!: string;
  @IsInt() count!: number;
  constructor(message: string, count: number) {
    this.message = message;
    this.count = count;
  }
}

const files = writeProtoFiles();
const protobufCodec = new ProtobufCodec({ files: [files.greeter], endpoints: GREETER_ENDPOINTS });

@Codec('application/msgpack')
@Service({ name: 'packed' })
class Packed {
  @Handler() echo(request: HelloRequest): HelloReply {
    return new HelloReply(`packed ${request.name}`, request.times ?? 0);
  }
}

type Failure = 'bastion' | 'error' | 'string' | 'undefined' | 'none' | 'wrong';

@Service({ name: 'proto' })
class Greeter {
  calls = 0;
  @Codec(protobufCodec)
  @Handler()
  hello(request: HelloRequest): HelloReply | undefined {
    this.calls++;
    const failure = request.name as Failure;
    if (failure === 'bastion') throw new BastionError('BST_ERR_SERVER_OVERLOADED', 'try later');
    if (failure === 'error') throw new Error('disk /srv/secret.db failed');
    if (failure === 'string') throw 'a string' as unknown as Error;
    if (failure === 'undefined') throw undefined as unknown as Error;
    if (failure === 'none') return undefined;
    if (failure === 'wrong') return new HelloReply('wrong', 'many' as unknown as number);
    return new HelloReply(`hello ${request.name}`, request.times ?? 0);
  }
}

describe('codecs end to end', () => {
  let pki: TestPki;
  const registry = new MemoryRegistry();
  const logger = new RecordingLogger();
  let server: Bastion;
  let packed: Bastion;
  let client: Bastion;
  let garbage: Bastion;

  before(async () => {
    pki = await createTestPki();
    server = await Bastion.create({ services: [Greeter], tls: await pki.tlsFor('proto'), registry, logger, server: { validateResponses: true } });
    await server.start();
    packed = await Bastion.create({ services: [Packed], tls: await pki.tlsFor('packed'), registry, logger });
    await packed.start();
    const policy = { allowServices: ['packed', 'proto'] };
    client = await Bastion.create({ tls: await pki.tlsFor('frontend'), registry, registryPolicy: policy, codecs: [protobufCodec], logger });
    // A client whose protobuf "codec" sends bytes that are not a valid message.
    const broken = defineCodec({
      contentType: 'application/protobuf',
      checkRaw: () => undefined,
      parse: () => undefined,
      sanitize: (value) => value,
      serialize: () => Uint8Array.of(0x0a, 0x7f, 0x61),
    });
    garbage = await Bastion.create({ tls: await pki.tlsFor('fuzzer'), registry, registryPolicy: policy, codecs: [broken], logger });
  });
  after(async () => {
    await client?.stop();
    await garbage?.stop();
    await server?.stop();
    await packed?.stop();
    files.cleanup();
  });

  describe('RPCClient.call', () => {
    describe('when the endpoint registered application/msgpack and the call names no content type', () => {
      it('should pick MessagePack from the registry and get the reply', async () => {
        assert.deepEqual(await client.client.call('packed', 'Packed.echo', { name: 'ada', times: 2 }), { message: 'packed ada', count: 2 });
      });
    });

    describe('when the call names a content type the endpoint does not take', () => {
      it('should answer 415 from the server', async () => {
        await rejectsBastion(client.client.call('packed', 'Packed.echo', { name: 'ada' }, { contentType: 'application/json' }), 'BST_ERR_CODEC_UNSUPPORTED', 415);
      });
    });

    describe('when the call names a content type no codec is bound for', () => {
      it('should answer 415 before sending', async () => {
        await rejectsBastion(client.client.call('packed', 'Packed.echo', { name: 'ada' }, { contentType: 'application/x-nope' }), 'BST_ERR_CODEC_UNSUPPORTED', 415);
      });
    });

    describe('when a MessagePack request breaks the DTO', () => {
      it('should answer 400 naming each field, extra ones included', async () => {
        const error = await rejectsBastion(client.client.call('packed', 'Packed.echo', { name: 7, times: 9, admin: true }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(error.fields?.map((f) => f.path).sort(), ['admin', 'name', 'times']);
      });
    });

    describe('when the endpoint is protobuf', () => {
      it('should encode the request and decode the reply with the endpoint message types', async () => {
        assert.deepEqual(await client.client.call('proto', 'Greeter.hello', { name: 'ada', times: 3 }), { message: 'hello ada', count: 3 });
      });

      it('should answer 400 naming the field for a value protobuf carries but the DTO refuses', async () => {
        const error = await rejectsBastion(client.client.call('proto', 'Greeter.hello', { name: 'ada', times: 9 }), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(error.fields?.map((f) => f.path), ['times']);
      });
    });
  });

  describe("when a service selects @Codec('application/protobuf') by content type", () => {
    it('should serve it with the codec given in the codecs option', async () => {
      /** A second Greeter (same endpoint name, so the codec's mapping applies) selected by content type. */
      const byContentType = () => {
        @Codec('application/protobuf')
        @Service({ name: 'proto-by-type' })
        class Greeter {
          @Handler() hello(request: HelloRequest): HelloReply {
            return new HelloReply(`typed ${request.name}`, 1);
          }
        }
        return Greeter;
      };
      const app = await Bastion.create({ services: [byContentType()], tls: await pki.tlsFor('proto-by-type'), registry, logger, codecs: [protobufCodec] });
      await app.start();
      try {
        const reply = await client.client.call('proto-by-type', 'Greeter.hello', { name: 'ada' }).catch((e: unknown) => e);
        // The client's policy trusts only packed and proto, so it must not find this one; a trusting client gets the reply.
        assert.ok(BastionError.hasId(reply, 'BST_ERR_CLIENT_NO_NODES'));
        const trusting = await Bastion.create({ tls: await pki.tlsFor('frontend'), registry, registryPolicy: { allowServices: ['proto-by-type'] }, codecs: [protobufCodec], logger });
        try {
          assert.deepEqual(await trusting.client.call('proto-by-type', 'Greeter.hello', { name: 'ada' }), { message: 'typed ada', count: 1 });
        } finally {
          await trusting.stop();
        }
      } finally {
        await app.stop();
      }
    });
  });

  describe('B10: protobuf handler failures', () => {
    const cases: Array<[Failure, string, number]> = [
      ['bastion', 'BST_ERR_SERVER_OVERLOADED', 503],
      ['error', 'BST_ERR_SERVER_INTERNAL', 500],
      ['string', 'BST_ERR_SERVER_INTERNAL', 500],
      ['undefined', 'BST_ERR_SERVER_INTERNAL', 500],
    ];
    for (const [failure, id, code] of cases) {
      it(`B10: a handler throwing ${failure} reaches the client as a ${code} error frame, and the server keeps serving`, async () => {
        const logged = logger.records.filter((r) => r.event === 'handler_failed').length;
        const error = await rejectsBastion(client.client.call('proto', 'Greeter.hello', { name: failure }), id as 'BST_ERR_SERVER_INTERNAL', code);
        assert.doesNotMatch(JSON.stringify(error.toWire()), /\/srv|secret|at /);
        assert.equal(logger.records.filter((r) => r.event === 'handler_failed').length - logged, code >= 500 ? 1 : 0);
        assert.deepEqual(await client.client.call('proto', 'Greeter.hello', { name: 'ok', times: 1 }), { message: 'hello ok', count: 1 });
      });
    }

    it('B10: a handler resolving to undefined gives an empty reply, not a fake message', async () => {
      assert.equal(await client.client.call('proto', 'Greeter.hello', { name: 'none' }), undefined);
    });

    it('B10: a body that is not valid protobuf is a 400 codec error and the handler never runs', async () => {
      const instance = server.container.get(Greeter);
      const calls = instance.calls;
      await rejectsBastion(garbage.client.call('proto', 'Greeter.hello', {}), 'BST_ERR_CODEC_DECODE', 400);
      assert.equal(instance.calls, calls);
    });
  });

  describe('validateResponses', () => {
    describe('when a handler returns a DTO instance that breaks its own constraints', () => {
      it('should answer 500 and log invalid_response naming the field', async () => {
        await rejectsBastion(client.client.call('proto', 'Greeter.hello', { name: 'wrong' }), 'BST_ERR_SERVER_INTERNAL', 500);
        const line = logger.records.find((r) => r.event === 'invalid_response');
        assert.ok(line);
        assert.equal(line.fields['endpoint'], 'Greeter.hello');
        assert.match(String(line.fields['fields']), /count: isInt/);
      });
    });
  });
});
