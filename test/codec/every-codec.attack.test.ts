// The same attacks against every codec Bastion ships (JSON, MessagePack, protobuf) and the
// custom-codec example (CSV line): prototype keys, extreme nesting and sizes, DTO abuse, and
// fast-check fuzzing of every decoder and of the frame decoder. Each refusal is a typed
// BastionError; Object.prototype never changes.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import protobuf from 'protobufjs';
import { csvLineCodec } from '../../examples/custom-codec/csv-line.codec.js';
import type { BodyContext, Codec } from '../../src/codec/codec.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { MsgpackCodec } from '../../src/codec/msgpack.codec.js';
import { DEFAULT_CODEC_LIMITS, resolveCodecLimits } from '../../src/codec/options.js';
import { decodeBody } from '../../src/codec/pipeline.js';
import { ProtobufCodec } from '../../src/codec/protobuf.codec.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { DtoClass } from '../../src/metadata/models.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/transport/framing.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';
import { GREETER_ENDPOINTS, writeProtoFiles } from './proto-fixture.js';
import { fieldPaths, prototypeKeys, rejectsBastion, throwsBastion, utf8 } from './support.js';

class Item {
  @IsString() name!: string;
}

class Order {
  @IsInt() @Min(0) @Max(10) rating!: number;
  @IsBoolean() canAccess!: boolean;
  @IsOptional() @ValidateNested({ each: true }) @Type(() => Item) items?: Item[];
  @IsOptional() @ValidateNested() @Type(() => Item) first?: Item;
}

const limits = DEFAULT_CODEC_LIMITS;
const files = writeProtoFiles();
const protoRoot = protobuf.loadSync(files.greeter);
const HelloRequest = protoRoot.lookupType('greeter.HelloRequest');
const request: BodyContext = { endpoint: 'Greeter.hello', body: 'request' };

/** A codec under test and how to put a plain value into its format. */
interface Subject {
  readonly codec: Codec;
  readonly context?: BodyContext;
  readonly encode: (value: unknown) => Uint8Array;
}

const json: Subject = { codec: new JSONCodec(), encode: (value) => utf8(JSON.stringify(value)) };
const msgpack: Subject = { codec: new MsgpackCodec(), encode: (value) => pack(value) };
const proto: Subject = {
  codec: new ProtobufCodec({ files: [files.greeter], endpoints: GREETER_ENDPOINTS }),
  context: request,
  // Only map keys are free-form in a schema, so hostile keys travel in the `tags` map.
  encode: (value) => HelloRequest.encode(HelloRequest.create({ tags: value as Record<string, string> })).finish(),
};
const csv: Subject = {
  codec: csvLineCodec,
  encode: (value) => utf8(`${Object.keys(value as object).join(',')}\n${Object.values(value as object).join(',')}`),
};
const SUBJECTS: Record<string, Subject> = { json, msgpack, protobuf: proto, 'csv (custom)': csv };
const decode = (subject: Subject, bytes: Uint8Array, callLimits = limits) => decodeBody(subject.codec, bytes, callLimits, subject.context);

describe('every codec under attack', () => {
  let before: string[];
  beforeEach(() => {
    before = prototypeKeys();
  });
  afterEach(() => {
    const polluted = ({} as Record<string, unknown>)['polluted'];
    delete (Object.prototype as Record<string, unknown>)['polluted'];
    assert.equal(polluted, undefined, 'Object.prototype was polluted');
    assert.deepEqual(prototypeKeys(), before);
  });
  after(() => files.cleanup());

  describe('B07: prototype keys', () => {
    const flat = {
      // A computed key, so the object literal gets an own '__proto__' entry instead of a prototype.
      ['__proto__']: JSON.parse('{"__proto__":"polluted"}') as object,
      constructor: { constructor: 'polluted' },
      prototype: { prototype: 'polluted' },
    };
    for (const [name, subject] of Object.entries(SUBJECTS)) {
      for (const [key, value] of Object.entries(flat)) {
        it(`B07 (${name}): refuses a top-level '${key}' key as a forbidden key`, () => {
          throwsBastion(() => decode(subject, subject.encode(value)), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
        });
      }
    }
    for (const [name, subject] of Object.entries({ json, msgpack })) {
      it(`B01 (${name}): refuses a bad rating and email with a __proto__ key before any binding`, () => {
        const body = JSON.parse('{"rating":"1 OR 1=1","email":7,"__proto__":{}}') as object;
        throwsBastion(() => decode(subject, subject.encode(body)), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
      });
      for (const [variant, text] of Object.entries({ a: '{"__proto__":{"isAdmin":true}}', b: '{"constructor":{"prototype":{"isAdmin":true}}}', c: '{"prototype":{"isAdmin":true}}' })) {
        it(`B02 (${name}) (${variant}): refuses the body and leaves a fresh object without isAdmin`, () => {
          throwsBastion(() => decode(subject, subject.encode(JSON.parse(text))), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
          assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
        });
      }
    }
    const nested = {
      'a (__proto__ object)': '{"name":"ok","__proto__":{"polluted":1}}',
      'b (constructor.prototype)': '{"name":"ok","constructor":{"prototype":{"polluted":1}}}',
      'c (two levels down in an array)': '{"list":[{"x":{"__proto__":{"polluted":1}}}]}',
    };
    for (const [variant, text] of Object.entries(nested)) {
      it(`B07 ${variant} (msgpack): is refused as a forbidden key`, () => {
        throwsBastion(() => decode(msgpack, pack(JSON.parse(text))), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
      });
    }
  });

  describe('B06: nesting 100,000 levels deep', () => {
    it('B06 (json): refuses 100,000 nested arrays with TOO_DEEP before parsing', () => {
      throwsBastion(() => decode(json, utf8('['.repeat(100_000) + ']'.repeat(100_000))), 'BST_ERR_CODEC_TOO_DEEP', 400);
    });
    it('B06 (msgpack): refuses 100,000 nested arrays and maps with TOO_DEEP before decoding', () => {
      const arrays = Buffer.alloc(100_001, 0x91);
      arrays[100_000] = 0x90;
      throwsBastion(() => decode(msgpack, arrays), 'BST_ERR_CODEC_TOO_DEEP', 400);
      const maps = Buffer.concat(Array.from({ length: 100_000 }, () => Uint8Array.of(0x81, 0xa1, 0x61)).concat([Uint8Array.of(0xc0)]));
      throwsBastion(() => decode(msgpack, maps), 'BST_ERR_CODEC_TOO_DEEP', 400);
    });
    it('B06 (protobuf): see protobuf.codec.test.ts, 100,000 nested messages; csv has no nesting', () => {
      // One nested level too many is enough to show the shared depth check applies here too.
      const tree = HelloRequest.encode(HelloRequest.fromObject({ tree: nestNodes(limits.maxDepth) })).finish();
      throwsBastion(() => decode(proto, tree), 'BST_ERR_CODEC_TOO_DEEP', 400);
    });
  });

  describe('sizes', () => {
    /** Counts parser calls, to show a refusal came before any parsing. */
    const counting = (subject: Subject) => {
      let parsed = 0;
      const codec: Codec = { ...subject.codec, checkRaw: subject.codec.checkRaw.bind(subject.codec), parse: (...args) => (parsed++, subject.codec.parse(...args)), sanitize: subject.codec.sanitize.bind(subject.codec), serialize: subject.codec.serialize.bind(subject.codec) };
      return { subject: { ...subject, codec }, parsed: () => parsed };
    };
    const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
    for (const [name, subject] of Object.entries(SUBJECTS)) {
      it(`(${name}) refuses a 50 MB body with a 413 before parsing`, () => {
        const probe = counting(subject);
        throwsBastion(() => decode(probe.subject, big), 'BST_ERR_CODEC_TOO_LARGE', 413);
        assert.equal(probe.parsed(), 0);
      });
    }
    it('(msgpack) refuses a 50 MB string with a 413 even when maxBytes allows it', () => {
      const roomy = resolveCodecLimits({ maxBytes: 64 * 1024 * 1024 });
      throwsBastion(() => decode(msgpack, pack('a'.repeat(50 * 1024 * 1024)), roomy), 'BST_ERR_CODEC_TOO_LARGE', 413);
    });
    it('(msgpack) refuses an array declaring 10,000,000 elements from its 5-byte header', () => {
      const probe = counting(msgpack);
      throwsBastion(() => decode(probe.subject, Uint8Array.of(0xdd, 0x00, 0x98, 0x96, 0x80)), 'BST_ERR_CODEC_TOO_LARGE', 413);
      assert.equal(probe.parsed(), 0);
    });
    it('(protobuf) refuses a packed field of 10,000,000 numbers: by size, and by maxArrayLength when size allows', () => {
      const packed = Buffer.concat([Uint8Array.of(0x32, 0x80, 0xad, 0xe2, 0x04), Buffer.alloc(10_000_000, 0x01)]);
      throwsBastion(() => decode(proto, packed), 'BST_ERR_CODEC_TOO_LARGE', 413);
      throwsBastion(() => decode(proto, packed, resolveCodecLimits({ maxBytes: 16 * 1024 * 1024 })), 'BST_ERR_CODEC_TOO_LARGE', 413);
    });
    it('a 3 GiB declared frame is refused by the frame decoder from its prefix (network version: transport.attack.test.ts B11)', () => {
      const decoder = new FrameDecoder();
      throwsBastion(() => decoder.push(Uint8Array.of(0xc0, 0x00, 0x00, 0x00), () => assert.fail('no frame')), 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE', 413);
    });
  });

  describe('DTO abuse through JSON and MessagePack, and what protobuf can express', () => {
    const binder = new StrictBinder();
    const bind = async (subject: Subject, value: unknown, dto: DtoClass = Order) => binder.toInstance(dto, decode(subject, subject.encode(value)));
    const cases: Array<[string, unknown, string[]]> = [
      ['B03: wrong types ("false" for a boolean, a SQL string for an int)', { rating: "7'; DROP TABLE", canAccess: 'false' }, ['rating', 'canAccess']],
      ['missing fields', { rating: 1 }, ['canAccess']],
      ['extra fields', { rating: 1, canAccess: true, isAdmin: true }, ['isAdmin']],
      ['null body', null, ['(body)']],
      ['array body', [{ rating: 1, canAccess: true }], ['(body)']],
      ['an object where an array of DTOs is expected', { rating: 1, canAccess: true, items: { name: 'x' } }, ['items']],
      ['B04: an array where one DTO is expected', { rating: 1, canAccess: true, first: [{ name: 'x' }] }, ['first']],
      ['B04: an array of arrays of DTOs', { rating: 1, canAccess: true, items: [[{ name: 3 }]] }, ['items.0']],
    ];
    for (const [name, subject] of Object.entries({ json, msgpack })) {
      for (const [label, body, fields] of cases) {
        const id = /^B0\d: /.exec(label)?.[0] ?? '';
        it(`${id}(${name}) answers ${label.slice(id.length)} with a 400 naming ${fields.join(', ')}`, async () => {
          const error = await rejectsBastion(bind(subject, body), 'BST_ERR_VALIDATION_FAILED', 400);
          assert.deepEqual(fieldPaths(error).sort(), [...fields].sort());
          assert.doesNotMatch(JSON.stringify(error.toWire()), /DROP TABLE/);
        });
      }
    }
    it('(protobuf) answers a message missing a required field, and an empty body, with a 400 naming it', async () => {
      class Named {
        @IsString() name!: string;
      }
      const missing = HelloRequest.encode({ times: 2 }).finish();
      class Times {
        @IsInt() times!: number;
        @IsString() name!: string;
      }
      assert.deepEqual(fieldPaths(await rejectsBastion(binder.toInstance(Times, decode(proto, missing)), 'BST_ERR_VALIDATION_FAILED', 400)), ['name']);
      assert.deepEqual(fieldPaths(await rejectsBastion(binder.toInstance(Named, decode(proto, new Uint8Array(0))), 'BST_ERR_VALIDATION_FAILED', 400)), ['(body)']);
    });
  });

  describe('fuzzing (fast-check)', () => {
    const typed = (error: unknown) => BastionError.is(error) && [400, 413, 415].includes(error.code);
    for (const [name, subject] of Object.entries(SUBJECTS)) {
      it(`(${name}) decodes arbitrary bytes to a value or a typed 400/413/415, never anything else`, () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
            try {
              decode(subject, bytes);
            } catch (error) {
              assert.ok(typed(error), String(error));
            }
          }),
          { numRuns: 300 },
        );
      });
    }
    it('(msgpack) decodes any encoded value or refuses it with a typed error', () => {
      fc.assert(
        fc.property(fc.anything({ maxDepth: 6 }), (value) => {
          let bytes: Uint8Array;
          try {
            bytes = pack(value);
          } catch {
            return;
          }
          try {
            decode(msgpack, bytes);
          } catch (error) {
            assert.ok(typed(error), String(error));
          }
        }),
        { numRuns: 300 },
      );
    });
    it('(json) decodes any JSON text with hostile keys or refuses it with a typed error', () => {
      const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.string({ maxLength: 8 }));
      const value = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })) })).node;
      fc.assert(
        fc.property(value, (v) => {
          try {
            decode(json, utf8(JSON.stringify(v)));
          } catch (error) {
            assert.ok(typed(error), String(error));
          }
        }),
        { numRuns: 300 },
      );
    });
    it('(FrameDecoder) turns arbitrary byte streams cut anywhere into frames or one typed error', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
          const decoder = new FrameDecoder(4096);
          try {
            for (const chunk of chunks) decoder.push(chunk, () => undefined);
          } catch (error) {
            assert.ok(BastionError.is(error) && error.id.startsWith('BST_ERR_TRANSPORT_'), String(error));
          }
        }),
        { numRuns: 500 },
      );
    });
    it('(FrameDecoder) decodes valid frames cut at any point, with random bytes flipped, to frames or a typed error', () => {
      const frame = fc.record({ callId: fc.integer({ min: 1, max: 1000 }), body: fc.uint8Array({ maxLength: 64 }) }).map(
        ({ callId, body }): Frame => ({ kind: 'response', callId, contentType: 'application/json', body }),
      );
      fc.assert(
        fc.property(frame, fc.nat(), fc.integer({ min: -1, max: 200 }), (f, cut, flip) => {
          const bytes = Buffer.from(encodeFrame(f));
          if (flip >= 0 && flip < bytes.length) bytes[flip] = (bytes[flip] as number) ^ 0xff;
          const decoder = new FrameDecoder(4096);
          const at = cut % (bytes.length + 1);
          try {
            decoder.push(bytes.subarray(0, at), () => undefined);
            decoder.push(bytes.subarray(at), () => undefined);
          } catch (error) {
            assert.ok(BastionError.is(error) && error.id.startsWith('BST_ERR_TRANSPORT_'), String(error));
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});

function nestNodes(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = { label: 'leaf' };
  for (let i = 0; i < levels; i++) node = { child: node };
  return node;
}
