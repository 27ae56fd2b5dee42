import 'reflect-metadata';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { decodeBody, encodeBody } from '../../src/codec/pipeline.js';
import { ProtobufCodec } from '../../src/codec/protobuf.codec.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { GREETER_ENDPOINTS, LEGACY_PROTO, writeProtoFiles } from './proto-fixture.js';
import { prototypeKeys, throwsBastion } from './support.js';

const limits = DEFAULT_CODEC_LIMITS;
const request = { endpoint: 'Greeter.hello', body: 'request' } as const;
const response = { endpoint: 'Greeter.hello', body: 'response' } as const;

describe(ProtobufCodec.name, () => {
  const files = writeProtoFiles();
  after(() => files.cleanup());
  const codec = new ProtobufCodec({ files: [files.greeter], endpoints: GREETER_ENDPOINTS });
  const root = protobuf.loadSync(files.greeter);
  const HelloRequest = root.lookupType('greeter.HelloRequest');

  describe('constructor', () => {
    describe('when a file is schema text instead of a path (B09 a)', () => {
      it('B09: refuses it at boot, naming the source, and loads nothing', () => {
        const before = prototypeKeys();
        const text = 'syntax = "proto3"; option (constructor).prototype.polluted = true; message M {}';
        const error = throwsBastion(() => new ProtobufCodec({ files: [text], endpoints: {} }), 'BST_ERR_BOOT_INVALID_CONFIG', 500);
        assert.match(error.detail, /local \.proto files only; refused source 'syntax = "proto3"/);
        assert.deepEqual(prototypeKeys(), before);
      });
    });

    describe('when a file is a URL or does not exist', () => {
      it('should refuse both at boot', () => {
        throwsBastion(() => new ProtobufCodec({ files: ['https://evil.example/x.proto'], endpoints: {} }), 'BST_ERR_BOOT_INVALID_CONFIG', 500);
        throwsBastion(() => new ProtobufCodec({ files: [join(files.dir, 'missing.proto')], endpoints: {} }), 'BST_ERR_BOOT_INVALID_CONFIG', 500);
      });
    });

    describe('when a local file sets options through constructor.prototype and __proto__ paths', () => {
      it('B09: loads it without adding anything to Object.prototype', () => {
        const before = prototypeKeys();
        const hostile = writeProtoFiles({
          'hostile.proto': 'syntax = "proto3";\noption (constructor).prototype.polluted = true;\noption (__proto__).polluted = true;\nmessage M { string a = 1 [(constructor).prototype.polluted = true]; }\n',
        });
        try {
          try {
            new ProtobufCodec({ files: [join(hostile.dir, 'hostile.proto')], endpoints: {} });
          } catch (error) {
            assert.ok(BastionError.is(error));
          }
          assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
          assert.deepEqual(prototypeKeys(), before);
        } finally {
          hostile.cleanup();
        }
      });
    });

    describe('when an endpoint names a message type the schemas lack', () => {
      it('should refuse it at boot naming the type', () => {
        const error = throwsBastion(
          () => new ProtobufCodec({ files: [files.greeter], endpoints: { 'Greeter.hello': { request: 'greeter.Nope' } } }),
          'BST_ERR_BOOT_INVALID_CONFIG',
          500,
        );
        assert.match(error.detail, /greeter\.Nope/);
      });
    });
  });

  describe('.supports', () => {
    it('should throw for an endpoint without message types and accept a mapped one', () => {
      assert.doesNotThrow(() => codec.supports('Greeter.hello'));
      throwsBastion(() => codec.supports('Greeter.other'), 'BST_ERR_BOOT_INVALID_CONFIG', 500);
    });
  });

  describe('.parse', () => {
    describe('when given a valid request message', () => {
      it('should decode it to a plain object, 64-bit integers as strings, defaults left out', () => {
        const bytes = HelloRequest.encode(HelloRequest.fromObject({ name: 'ada', times: 3, big: '9007199254740993', tags: { a: 'b' } })).finish();
        const value = decodeBody(codec, bytes, limits, request);
        assert.deepEqual(value, { name: 'ada', times: 3, big: '9007199254740993', tags: { a: 'b' } });
        assert.equal(Object.getPrototypeOf(value), Object.prototype);
      });
    });

    describe('when the body holds a field the schema does not know', () => {
      it('should drop it (documented policy) and keep the known fields', () => {
        const known = HelloRequest.encode({ name: 'ada' }).finish();
        const unknownField = Uint8Array.of(0x98, 0x06, 0x01); // field 99, varint 1
        assert.deepEqual(decodeBody(codec, Buffer.concat([known, unknownField]), limits, request), { name: 'ada' });
      });
    });

    describe('when a field arrives with the wrong wire type', () => {
      it('should answer 400, not crash', () => {
        // field 1 (string) sent as a 64-bit fixed value, then a wire type 7 that does not exist
        throwsBastion(() => decodeBody(codec, Uint8Array.of(0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x0f), limits, request), 'BST_ERR_CODEC_DECODE', 400);
        throwsBastion(() => decodeBody(codec, Uint8Array.of(0x0f), limits, request), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when a string field holds invalid UTF-8', () => {
      it('should answer 400 for proto3 and proto2 schemas alike, never replace it', () => {
        const invalid = Uint8Array.of(0x0a, 0x02, 0xc3, 0x28);
        throwsBastion(() => decodeBody(codec, invalid, limits, request), 'BST_ERR_CODEC_DECODE', 400);
        const legacy = writeProtoFiles({ 'legacy.proto': LEGACY_PROTO });
        try {
          const proto2 = new ProtobufCodec({ files: [join(legacy.dir, 'legacy.proto')], endpoints: { 'Notes.add': { request: 'legacy.Note' } } });
          const context = { endpoint: 'Notes.add', body: 'request' } as const;
          throwsBastion(() => decodeBody(proto2, invalid, limits, context), 'BST_ERR_CODEC_DECODE', 400);
          assert.deepEqual(decodeBody(proto2, Uint8Array.of(0x0a, 0x02, 0xc3, 0xa9), limits, context), { text: 'é' });
        } finally {
          legacy.cleanup();
        }
      });
    });

    describe('when a length runs past the end of the body', () => {
      it('should answer 400', () => {
        throwsBastion(() => decodeBody(codec, Uint8Array.of(0x0a, 0x7f, 0x61), limits, request), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when a map field carries a __proto__ or constructor key (B07)', () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        it(`B07: refuses the '${key}' map key as a forbidden key and pollutes nothing`, () => {
          const before = prototypeKeys();
          const message = HelloRequest.create({ name: 'x' });
          (message as unknown as { tags: Record<string, string> }).tags = Object.defineProperty({}, key, { value: 'polluted', enumerable: true });
          const bytes = HelloRequest.encode(message).finish();
          throwsBastion(() => decodeBody(codec, bytes, limits, request), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
          assert.deepEqual(prototypeKeys(), before);
        });
      }
    });

    describe('when a recursive message is nested past maxDepth (B06)', () => {
      it('B06: refuses 100 levels with TOO_DEEP and 100,000 levels with a 400, never a RangeError', () => {
        // Nested Node messages built on the wire: tag 0x22 (field 4) at the top, 0x0a (child) below, each with its length.
        const nest = (levels: number): Uint8Array => {
          // Written back to front, so each level is prefixed in place (linear, not quadratic).
          const out = new Uint8Array(levels * 5 + 3);
          let start = out.length - 3;
          out.set([0x12, 0x01, 0x61], start);
          for (let i = 0; i < levels; i++) {
            const length = varint(out.length - start);
            start -= length.length + 1;
            out[start] = i === levels - 1 ? 0x22 : 0x0a;
            out.set(length, start + 1);
          }
          return out.subarray(start);
        };
        throwsBastion(() => decodeBody(codec, nest(100), limits, request), 'BST_ERR_CODEC_TOO_DEEP', 400);
        const inner = nest(100_000);
        const error = throwsBastion(() => decodeBody(codec, inner, { ...limits, maxBytes: 8 * 1024 * 1024 }, request), 'BST_ERR_CODEC_DECODE', 400);
        assert.doesNotMatch(error.detail, /Maximum call stack/);
      });
    });

    describe('when the call names no message type', () => {
      it('should answer 415 rather than guess', () => {
        throwsBastion(() => decodeBody(codec, Uint8Array.of(0x0a, 0x01, 0x61), limits), 'BST_ERR_CODEC_UNSUPPORTED', 415);
      });
    });
  });

  describe('.serialize', () => {
    describe('when given a valid reply', () => {
      it('should encode it as the response type', () => {
        const bytes = encodeBody(codec, { message: 'hi', count: 2 }, response);
        assert.deepEqual(decodeBody(codec, bytes, limits, response), { message: 'hi', count: 2 });
      });
    });

    describe('when the plain object carries __proto__ and constructor keys (B09 b)', () => {
      it('B09: drops them with the same key filter and pollutes nothing', () => {
        const before = prototypeKeys();
        const hostile = JSON.parse('{"message":"hi","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}') as object;
        const bytes = encodeBody(codec, hostile, response);
        assert.deepEqual(decodeBody(codec, bytes, limits, response), { message: 'hi' });
        assert.deepEqual(prototypeKeys(), before);
      });
    });

    describe('when the handler produced the wrong shape (B10)', () => {
      it('B10: throws a 500 BastionError, never encodes a fake message', () => {
        throwsBastion(() => encodeBody(codec, { count: 'many' }, response), 'BST_ERR_SERVER_INTERNAL', 500);
        throwsBastion(() => encodeBody(codec, 'text', response), 'BST_ERR_SERVER_INTERNAL', 500);
        throwsBastion(() => encodeBody(codec, [1, 2], response), 'BST_ERR_SERVER_INTERNAL', 500);
      });
      it('B10: answers 500, not 415, when the endpoint declares no response type to encode a result with', () => {
        const requestOnly = new ProtobufCodec({ files: [files.greeter], endpoints: { 'Greeter.ping': { request: 'greeter.HelloRequest' } } });
        throwsBastion(() => encodeBody(requestOnly, { message: 'x' }, { endpoint: 'Greeter.ping', body: 'response' }), 'BST_ERR_SERVER_INTERNAL', 500);
      });
      it('B10: encodes undefined as an empty body without calling the encoder', () => {
        assert.equal(encodeBody(codec, undefined, response).byteLength, 0);
      });
    });
  });
});

function varint(value: number): Uint8Array {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return Uint8Array.from(out);
}
