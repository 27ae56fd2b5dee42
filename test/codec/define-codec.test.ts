import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IsString } from 'class-validator';
import type { Codec as BodyCodec, CodecLimits } from '../../src/codec/codec.js';
import { defineCodec, type CodecDefinition } from '../../src/codec/define-codec.js';
import { DEFAULT_CODEC_LIMITS, resolveCodecLimits } from '../../src/codec/options.js';
import { decodeBody, encodeBody } from '../../src/codec/pipeline.js';
import { Codec, declaredCodecs } from '../../src/decorators/codec.decorator.js';
import { Bastion, BastionError, Handler, MemoryRegistry, Service } from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { throwsBastion, utf8 } from './support.js';

/** A plain-text codec: the body is one string, and the request DTO gets it as `text`. */
class TextCodec implements BodyCodec {
  readonly name = 'text';
  readonly contentType = 'text/plain';
  checkRaw(bytes: Uint8Array, limits: CodecLimits): void {
    if (bytes.byteLength > limits.maxBytes) throw new BastionError('BST_ERR_CODEC_TOO_LARGE');
  }
  parse(bytes: Uint8Array): unknown {
    return { text: Buffer.from(bytes).toString('utf8') };
  }
  sanitize(value: unknown): unknown {
    return String((value as { text?: unknown })?.text ?? '');
  }
  serialize(value: unknown): Uint8Array {
    return utf8(String(value));
  }
}

const hooks: CodecDefinition = {
  contentType: 'text/x-upper',
  checkRaw: () => undefined,
  parse: (bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown,
  sanitize: (value) => value,
  serialize: (value) => utf8(JSON.stringify(value).toUpperCase()),
};

describe(defineCodec.name, () => {
  describe('when every hook is given', () => {
    it('should run the size limit before the raw check, and the shared key filter after parse', () => {
      let checked = 0;
      const codec = defineCodec({ ...hooks, checkRaw: () => void checked++ });
      throwsBastion(() => decodeBody(codec, utf8('"123456"'), resolveCodecLimits({ maxBytes: 4 })), 'BST_ERR_CODEC_TOO_LARGE', 413);
      assert.equal(checked, 0);
      throwsBastion(() => decodeBody(codec, utf8('{"a":{"__proto__":{"polluted":1}}}'), DEFAULT_CODEC_LIMITS), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
      throwsBastion(() => decodeBody(codec, utf8('[[[1]]]'), resolveCodecLimits({ maxDepth: 2 })), 'BST_ERR_CODEC_TOO_DEEP', 400);
      assert.equal(checked, 2);
      assert.equal(Buffer.from(encodeBody(codec, { a: 'b' })).toString(), '{"A":"B"}');
    });
  });

  describe('when the raw check or the sanitiser is missing', () => {
    it('should refuse it at runtime, naming what is missing (and the type refuses it at compile time)', () => {
      // @ts-expect-error checkRaw is required by the type
      const noRaw = (): BodyCodec => defineCodec({ contentType: 'text/x-a', parse: hooks.parse, sanitize: hooks.sanitize, serialize: hooks.serialize });
      // @ts-expect-error sanitize is required by the type
      const noSanitize = (): BodyCodec => defineCodec({ contentType: 'text/x-a', checkRaw: hooks.checkRaw, parse: hooks.parse, serialize: hooks.serialize });
      assert.match(throwsBastion(noRaw, 'BST_ERR_BOOT_INVALID_CONFIG', 500).detail, /must supply checkRaw/);
      assert.match(throwsBastion(noSanitize, 'BST_ERR_BOOT_INVALID_CONFIG', 500).detail, /must supply sanitize/);
    });
  });

  describe('when the content type is not a lower-case media type without parameters', () => {
    it('should refuse it', () => {
      for (const contentType of ['Text/CSV', 'text/csv; charset=utf-8', 'csv', '']) {
        throwsBastion(() => defineCodec({ ...hooks, contentType }), 'BST_ERR_BOOT_INVALID_CONFIG', 500);
      }
    });
  });
});

describe(Codec.name, () => {
  describe('when given a codec class or instance', () => {
    it('should record one instance per class for boot to bind, and the content type as the setting', () => {
      @Codec(TextCodec)
      @Service({ name: 'a' })
      class A {
        @Codec(TextCodec) @Handler() one(): void {}
      }
      const upper = defineCodec(hooks);
      @Service({ name: 'b' })
      class B {
        @Codec(upper) @Handler() two(): void {}
      }
      assert.equal(declaredCodecs(A).length, 1);
      assert.ok(declaredCodecs(A)[0] instanceof TextCodec);
      assert.deepEqual(declaredCodecs(B), [upper]);
    });
  });

  describe('when given an object that is not a complete codec', () => {
    it('should refuse it as an invalid target', () => {
      const partial = { contentType: 'text/plain', parse: () => 1, serialize: () => new Uint8Array() } as unknown as BodyCodec;
      assert.throws(() => Codec(partial), (e) => BastionError.hasId(e, 'BST_ERR_DECORATOR_INVALID_TARGET') && /checkRaw, sanitize/.test(e.detail));
    });
  });
});

class Note {
  @IsString() text!: string;
}

@Codec(TextCodec)
@Service({ name: 'notes' })
class Notes {
  @Handler() shout(note: Note): { text: string } {
    return { text: note.text.toUpperCase() };
  }
}

describe('boot with @Codec(SomeCustomCodec)', () => {
  let pki: TestPki;
  let server: Bastion;
  let client: Bastion;
  const registry = new MemoryRegistry();
  const logger = new RecordingLogger();
  before(async () => {
    pki = await createTestPki();
    server = await Bastion.create({ services: [Notes], tls: await pki.tlsFor('notes'), registry, logger });
    await server.start();
    client = await Bastion.create({ tls: await pki.tlsFor('writer'), registry, registryPolicy: { allowServices: ['notes'] }, codecs: [new TextCodec()], logger });
  });
  after(async () => {
    await client?.stop();
    await server?.stop();
  });

  describe('when the service names a codec class', () => {
    it('should bind it at boot and serve text/plain calls the client routes by the registry', async () => {
      assert.deepEqual(await client.client.call('notes', 'Notes.shout', { text: 'hello' }), { text: 'HELLO' });
    });
  });

  describe('when a client has no codec for the endpoint content type', () => {
    it('should answer 415', async () => {
      const bare = await Bastion.create({ tls: await pki.tlsFor('reader'), registry, registryPolicy: { allowServices: ['notes'] }, logger });
      try {
        await assert.rejects(bare.client.call('notes', 'Notes.shout', { text: 'x' }), (e) => BastionError.hasId(e, 'BST_ERR_CODEC_UNSUPPORTED') && e.code === 415);
      } finally {
        await bare.stop();
      }
    });
  });
});
