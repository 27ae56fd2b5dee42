import 'reflect-metadata';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { CodecLimits } from '../../src/codec/codec.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { DEFAULT_CODEC_LIMITS, resolveCodecLimits } from '../../src/codec/options.js';
import fc from 'fast-check';
import { BastionError } from '../../src/errors/bastion-error.js';
import { ownKeysObject, throwsBastion, utf8 } from './support.js';

const decoder = new TextDecoder();

describe(JSONCodec.name, () => {
  let codec: JSONCodec;
  const limits: CodecLimits = DEFAULT_CODEC_LIMITS;

  beforeEach(() => {
    codec = new JSONCodec();
  });

  describe('.name', () => {
    it('should be json for application/json', () => {
      assert.equal(codec.name, 'json');
      assert.equal(codec.contentType, 'application/json');
    });
  });

  describe('.checkRaw', () => {
    describe('when the body is exactly maxBytes long', () => {
      it('should accept it', () => {
        const small = resolveCodecLimits({ maxBytes: 7 });
        assert.doesNotThrow(() => codec.checkRaw(utf8('"12345"'), small));
      });
    });

    describe('when the body is one byte over maxBytes', () => {
      it('should refuse it with a 413 naming the limit, not the body', () => {
        const small = resolveCodecLimits({ maxBytes: 6 });
        const error = throwsBastion(() => codec.checkRaw(utf8('"12345"'), small), 'BST_ERR_CODEC_TOO_LARGE', 413);
        assert.match(error.detail, /6 bytes/);
        assert.doesNotMatch(error.detail, /12345/);
      });
    });

    describe('when the body starts with a UTF-8 byte order mark', () => {
      it('should refuse it as undecodable', () => {
        throwsBastion(() => codec.checkRaw(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when the body is not valid UTF-8', () => {
      const cases: Record<string, number[]> = {
        'a stray continuation byte': [0x22, 0x80, 0x22],
        'an 0xFF byte': [0x22, 0xff, 0x22],
        'a truncated two-byte sequence': [0x22, 0xc3],
        'an overlong encoding of "/"': [0x22, 0xc0, 0xaf, 0x22],
        'an encoded surrogate half': [0x22, 0xed, 0xa0, 0x80, 0x22],
      };
      for (const [name, bytes] of Object.entries(cases)) {
        it(`should refuse ${name} instead of replacing it`, () => {
          throwsBastion(() => codec.checkRaw(new Uint8Array(bytes), limits), 'BST_ERR_CODEC_DECODE', 400);
        });
      }
    });

    describe('when the nesting is at the limit', () => {
      it('should accept it', () => {
        const two = resolveCodecLimits({ maxDepth: 2 });
        assert.doesNotThrow(() => codec.checkRaw(utf8('{"a":[1,2],"b":{}}'), two));
      });
    });

    describe('when the nesting is one over the limit', () => {
      it('should refuse it with TOO_DEEP', () => {
        const two = resolveCodecLimits({ maxDepth: 2 });
        throwsBastion(() => codec.checkRaw(utf8('{"a":[[1]]}'), two), 'BST_ERR_CODEC_TOO_DEEP', 400);
      });
    });

    describe('when brackets appear inside strings', () => {
      it('should not count them, escaped quotes and backslashes included', () => {
        const one = resolveCodecLimits({ maxDepth: 1 });
        assert.doesNotThrow(() => codec.checkRaw(utf8('{"a":"[[[{{{","b":"\\"[[[","c":"\\\\","d":"[é[[\\u005b"}'), one));
      });
    });

    describe('when an escaped backslash ends a string before a bracket', () => {
      it('should count the bracket after the string', () => {
        const one = resolveCodecLimits({ maxDepth: 1 });
        throwsBastion(() => codec.checkRaw(utf8('["\\\\",[1]]'), one), 'BST_ERR_CODEC_TOO_DEEP', 400);
      });
    });

    describe('when closing brackets come before opening ones', () => {
      it('should refuse the body as malformed', () => {
        throwsBastion(() => codec.checkRaw(utf8(']]]][[[['), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });
  });

  describe('.parse', () => {
    describe('when the body is valid JSON within the limits', () => {
      it('should return the value', () => {
        assert.deepEqual(codec.parse(utf8('{"name":"Ada","tags":["x"],"n":1.5,"ok":true,"none":null}'), limits), {
          name: 'Ada',
          tags: ['x'],
          n: 1.5,
          ok: true,
          none: null,
        });
      });
    });

    describe('when the body is not valid JSON', () => {
      it('should throw DECODE with a generic detail that echoes nothing', () => {
        const error = throwsBastion(() => codec.parse(utf8('{"secret-token-123": }'), limits), 'BST_ERR_CODEC_DECODE', 400);
        assert.equal(error.detail, 'The request body is not valid JSON');
        assert.doesNotMatch(JSON.stringify(error.toWire()), /secret-token-123|position/);
      });
    });

    describe('when the body is empty or blank', () => {
      it('should throw DECODE', () => {
        throwsBastion(() => codec.parse(utf8(''), limits), 'BST_ERR_CODEC_DECODE', 400);
        throwsBastion(() => codec.parse(utf8('  \n'), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when the bytes are invalid UTF-8 (checkRaw skipped)', () => {
      it('should still refuse them', () => {
        throwsBastion(() => codec.parse(new Uint8Array([0x22, 0xff, 0x22]), limits), 'BST_ERR_CODEC_DECODE', 400);
      });
    });

    describe('when a key is repeated', () => {
      it('should keep the last value, as JSON.parse does', () => {
        assert.deepEqual(codec.parse(utf8('{"a":1,"a":2}'), limits), { a: 2 });
      });
    });

    describe('when a forbidden key is repeated or escaped', () => {
      it('should still refuse it', () => {
        throwsBastion(() => codec.parse(utf8('{"a":1,"__proto__":1,"__proto__":{}}'), limits), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
        throwsBastion(() => codec.parse(utf8('{"\\u0063onstructor":1}'), limits), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
      });
    });

    describe('when an object has more than maxKeys keys', () => {
      it('should refuse it with a 413', () => {
        const three = resolveCodecLimits({ maxKeys: 3 });
        assert.doesNotThrow(() => codec.parse(utf8('{"a":1,"b":2,"c":3}'), three));
        throwsBastion(() => codec.parse(utf8('{"x":{"a":1,"b":2,"c":3,"d":4}}'), three), 'BST_ERR_CODEC_TOO_LARGE', 413);
      });
    });

    describe('when an array is longer than maxArrayLength', () => {
      it('should refuse it with a 413', () => {
        const three = resolveCodecLimits({ maxArrayLength: 3 });
        assert.doesNotThrow(() => codec.parse(utf8('[1,2,3]'), three));
        throwsBastion(() => codec.parse(utf8('{"a":[[1,2,3,4]]}'), three), 'BST_ERR_CODEC_TOO_LARGE', 413);
      });
    });

    describe('when a string value or key is longer than maxStringLength', () => {
      it('should refuse it with a 413', () => {
        const four = resolveCodecLimits({ maxStringLength: 4 });
        assert.doesNotThrow(() => codec.parse(utf8('{"abcd":"wxyz"}'), four));
        throwsBastion(() => codec.parse(utf8('["abcde"]'), four), 'BST_ERR_CODEC_TOO_LARGE', 413);
        throwsBastion(() => codec.parse(utf8('{"abcde":1}'), four), 'BST_ERR_CODEC_TOO_LARGE', 413);
      });
    });

    describe('when the nesting is too deep (checkRaw skipped)', () => {
      it('should still refuse it with TOO_DEEP', () => {
        const two = resolveCodecLimits({ maxDepth: 2 });
        throwsBastion(() => codec.parse(utf8('[[[1]]]'), two), 'BST_ERR_CODEC_TOO_DEEP', 400);
      });
    });
  });

  describe('.sanitize', () => {
    describe('when the value holds functions, symbols and undefined', () => {
      it('should drop them from objects and null them in arrays', () => {
        const value = { a: 1, f: () => 1, s: Symbol('s'), u: undefined, list: [undefined, () => 1, 2] };
        assert.deepEqual(codec.sanitize(value), { a: 1, list: [null, null, 2] });
      });
    });

    describe('when the value is not representable at the top level', () => {
      it('should return undefined', () => {
        assert.equal(codec.sanitize(undefined), undefined);
        assert.equal(codec.sanitize(() => 1), undefined);
      });
    });

    describe('when the value holds dates and non-finite numbers', () => {
      it('should turn dates into ISO strings and non-finite numbers into null', () => {
        const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
        assert.deepEqual(codec.sanitize({ at, bad: new Date(Number.NaN), n: Number.NaN, i: -Infinity }), {
          at: '2024-01-02T03:04:05.000Z',
          bad: null,
          n: null,
          i: null,
        });
      });
    });

    describe('when the value has toJSON or boxed primitives', () => {
      it('should use what JSON.stringify would use', () => {
        const money = { toJSON: () => ({ cents: 5 }) };
        assert.deepEqual(codec.sanitize({ money, s: new String('x'), n: new Number(2), b: new Boolean(false) }), {
          money: { cents: 5 },
          s: 'x',
          n: 2,
          b: false,
        });
      });
    });

    describe('when the value holds forbidden keys', () => {
      it('should never copy them', () => {
        const value = JSON.parse('{"ok":1,"__proto__":{"polluted":1},"nested":[{"constructor":1,"prototype":2,"x":3}]}') as unknown;
        const safe = codec.sanitize(value) as Record<string, unknown>;
        assert.deepEqual(Object.keys(safe), ['ok', 'nested']);
        assert.equal(Object.getPrototypeOf(safe), Object.prototype);
        assert.deepEqual(safe['nested'], [{ x: 3 }]);
      });
    });

    describe('when the value shares a sub-object without a cycle', () => {
      it('should copy it each time', () => {
        const shared = { id: 1 };
        assert.deepEqual(codec.sanitize({ a: shared, b: [shared, shared] }), { a: { id: 1 }, b: [{ id: 1 }, { id: 1 }] });
      });
    });

    describe('when the value has a cycle', () => {
      it('should throw an internal error (a handler bug, not peer data)', () => {
        const loop: Record<string, unknown> = { a: 1 };
        loop['self'] = { back: loop };
        throwsBastion(() => codec.sanitize(loop), 'BST_ERR_SERVER_INTERNAL', 500);
      });
    });

    describe('when the value holds a BigInt', () => {
      it('should throw an internal error', () => {
        throwsBastion(() => codec.sanitize({ n: 10n }), 'BST_ERR_SERVER_INTERNAL', 500);
      });
    });

    describe('when the value is nested absurdly deep', () => {
      it('should throw an internal error, not a RangeError', () => {
        let deep: unknown = 1;
        for (let i = 0; i < 5000; i++) deep = [deep];
        throwsBastion(() => codec.sanitize(deep), 'BST_ERR_SERVER_INTERNAL', 500);
      });
    });
  });

  describe('.encode', () => {
    const copied = (value: unknown): string | Error => {
      try {
        return Buffer.from(codec.serialize(codec.sanitize(value))).toString();
      } catch (error) {
        return error as Error;
      }
    };
    const encoded = (value: unknown): string | Error => {
      try {
        return Buffer.from(codec.encode(value)).toString();
      } catch (error) {
        return error as Error;
      }
    };

    it('should write what the sanitising copy would, for any value', () => {
      const leaf = fc.oneof(
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.double(),
        fc.constantFrom(undefined, Number.NaN, -Infinity, new Date(0), new Date(Number.NaN), () => 1, Symbol('s'), new String('x'), new Number(2), 10n, { toJSON: () => ({ constructor: 1, kept: 2 }) }),
      );
      const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toJSON', 'a__proto__b'));
      const value = fc.letrec((tie) => ({
        node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
        array: fc.array(tie('node'), { maxLength: 4 }),
        object: fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map(ownKeysObject),
      })).node;
      fc.assert(
        fc.property(value, (v) => {
          const expected = copied(v);
          const actual = encoded(v);
          if (expected instanceof Error) {
            assert.ok(actual instanceof BastionError && actual.code === 500, `copy refused (${expected.message}), encode gave ${String(actual)}`);
          } else assert.equal(actual, expected);
        }),
        { numRuns: 1000 },
      );
    });

    it('should read each accessor once and write what it read, never a prototype key a later read gives', () => {
      let reads = 0;
      const value = {
        get field(): unknown {
          reads += 1;
          return reads === 1 ? { role: 'user' } : JSON.parse('{"role":"user","__proto__":{"isAdmin":true}}');
        },
      };
      assert.equal(Buffer.from(codec.encode(value)).toString(), '{"field":{"role":"user"}}');
      assert.equal(reads, 1);
      let flips = 0;
      const flipping = {
        get field(): unknown {
          flips += 1;
          return flips === 1 ? JSON.parse('{"__proto__":{"isAdmin":true}}') : { role: 'user' };
        },
      };
      assert.doesNotMatch(Buffer.from(codec.encode(flipping)).toString(), /__proto__/);
    });

    it('should refuse what the copy refuses: a cycle, a BigInt, nesting past 1,000 levels', () => {
      const loop: Record<string, unknown> = { a: 1 };
      loop['self'] = { back: loop };
      throwsBastion(() => codec.encode(loop), 'BST_ERR_SERVER_INTERNAL', 500);
      throwsBastion(() => codec.encode({ n: 10n }), 'BST_ERR_SERVER_INTERNAL', 500);
      let deep: unknown = 1;
      for (let i = 0; i < 1001; i++) deep = [deep];
      throwsBastion(() => codec.encode(deep), 'BST_ERR_SERVER_INTERNAL', 500);
      let fits: unknown = 1;
      for (let i = 0; i < 999; i++) fits = { a: fits };
      assert.equal(Buffer.from(codec.encode(fits)).toString(), JSON.stringify(fits));
    });

    it('should honour a toJSON put on Object.prototype, as the copy does', () => {
      const proto = Object.prototype as { toJSON?: unknown };
      proto.toJSON = () => 'replaced';
      try {
        assert.equal(Buffer.from(codec.encode({ a: 1 })).toString(), '"replaced"');
      } finally {
        delete proto.toJSON;
      }
    });
  });

  describe('.serialize', () => {
    describe('when given a JSON-safe value', () => {
      it('should return its UTF-8 JSON bytes', () => {
        const bytes = codec.serialize({ greeting: 'héllo ✓', n: [1, 2] });
        assert.ok(bytes instanceof Uint8Array);
        assert.equal(decoder.decode(bytes), '{"greeting":"héllo ✓","n":[1,2]}');
      });
    });

    describe('when given undefined', () => {
      it('should return an empty body', () => {
        assert.equal(codec.serialize(undefined).byteLength, 0);
      });
    });

    describe('when given a value JSON.stringify cannot encode', () => {
      it('should throw an internal error', () => {
        throwsBastion(() => codec.serialize({ n: 1n }), 'BST_ERR_SERVER_INTERNAL', 500);
      });
    });
  });
});
