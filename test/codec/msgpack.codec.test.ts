import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pack } from 'msgpackr';
import { MsgpackCodec } from '../../src/codec/msgpack.codec.js';
import { DEFAULT_CODEC_LIMITS, resolveCodecLimits } from '../../src/codec/options.js';
import { decodeBody, encodeBody } from '../../src/codec/pipeline.js';
import { throwsBastion } from './support.js';

const limits = DEFAULT_CODEC_LIMITS;

describe(MsgpackCodec.name, () => {
  const codec = new MsgpackCodec();

  describe('.contentType', () => {
    it('should be application/msgpack', () => {
      assert.equal(codec.contentType, 'application/msgpack');
      assert.equal(codec.name, 'msgpack');
    });
  });

  describe('.serialize / .parse', () => {
    describe('when given plain data with bytes, a date and a function', () => {
      it('should round-trip it as plain data: bytes kept, date as ISO string, function dropped', () => {
        const value = { name: 'ada', n: -5, big: 2 ** 40, f: 1.5, ok: true, none: null, list: [1, 'x', { y: 2 }], raw: Uint8Array.of(1, 2), when: new Date(0), fn: () => 1 };
        const decoded = decodeBody(codec, encodeBody(codec, value), limits) as Record<string, unknown>;
        assert.deepEqual({ ...decoded, raw: [...(decoded['raw'] as Uint8Array)] }, {
          name: 'ada', n: -5, big: 2 ** 40, f: 1.5, ok: true, none: null, list: [1, 'x', { y: 2 }], raw: [1, 2], when: '1970-01-01T00:00:00.000Z',
        });
      });
    });

    describe('when keys and strings are not ASCII', () => {
      it('should decode them unchanged', () => {
        const value = { 'ключ': 'значение', emoji: '🦉', '__proto__x': 'not forbidden' };
        assert.deepEqual(decodeBody(codec, encodeBody(codec, value), limits), value);
      });
    });

    describe('when the value holds a __proto__ own key', () => {
      it('should never write it', () => {
        const hostile = JSON.parse('{"a":1,"__proto__":{"polluted":1}}') as object;
        assert.deepEqual(decodeBody(codec, encodeBody(codec, hostile), limits), { a: 1 });
      });
    });
  });

  describe('.checkRaw', () => {
    describe('when the body is over maxBytes', () => {
      it('should refuse it with a 413 before scanning', () => {
        throwsBastion(() => codec.checkRaw(pack('123456'), resolveCodecLimits({ maxBytes: 4 })), 'BST_ERR_CODEC_TOO_LARGE', 413);
      });
    });

    describe('when a map key is not a string', () => {
      it('should refuse it with a 400', () => {
        throwsBastion(() => codec.checkRaw(Uint8Array.of(0x81, 0x01, 0x02), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when a string is not valid UTF-8', () => {
      it('should refuse it with a 400, never replace it', () => {
        throwsBastion(() => codec.checkRaw(Uint8Array.of(0xa2, 0xc3, 0x28), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when a 64-bit integer does not fit a number', () => {
      it('should refuse it with a 400 rather than lose precision', () => {
        const body = Uint8Array.of(0xcf, 0x00, 0x40, 0, 0, 0, 0, 0, 1);
        throwsBastion(() => codec.checkRaw(body, limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when the body holds two values or is truncated', () => {
      it('should refuse both with a 400', () => {
        throwsBastion(() => codec.checkRaw(Uint8Array.of(0x01, 0x02), limits), 'BST_ERR_CODEC_DECODE', 400);
        throwsBastion(() => codec.checkRaw(Uint8Array.of(0xa5, 0x61), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when the body holds the reserved byte 0xc1', () => {
      it('should refuse it with a 400', () => {
        throwsBastion(() => codec.checkRaw(Uint8Array.of(0xc1), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when the body holds an extension type', () => {
      it('should refuse it unless that type is enabled', () => {
        const timestamp = pack(new Date(0));
        throwsBastion(() => codec.checkRaw(timestamp, limits), 'BST_ERR_CODEC_DECODE', 400);
        const enabled = new MsgpackCodec({ extensions: [-1] });
        assert.ok(decodeBody(enabled, timestamp, limits) instanceof Date);
      });
    });

    describe('when a map declares more than maxKeys entries', () => {
      it('should refuse it with a 413 from the header alone', () => {
        throwsBastion(() => codec.checkRaw(Uint8Array.of(0xde, 0x03, 0xe9), limits), 'BST_ERR_CODEC_TOO_LARGE', 413);
      });
    });
  });
});
