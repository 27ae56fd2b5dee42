// Attack round 8 on JSONCodec.encode's forbidden-key mention check (eee9d0b): the regex
// `/__proto__|constructor|prototype/` was replaced by `mentionsForbiddenKey` (substring
// searches). The claim is exact agreement with the regex on every string. Attacked here with
// what the existing property test does not generate: exhaustive token sequences around the
// overlaps of `proto`, full Unicode (lone surrogates, astral neighbours), very long text with
// many near misses, and, end to end, values that try to get a prototype key out of encode or
// into decodeBody past the escapes JSON allows (`"__pro\u0074o__"`).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FORBIDDEN_KEYS } from '../../src/codec/codec.js';
import { JSONCodec, mentionsForbiddenKey } from '../../src/codec/json.codec.js';
import { MsgpackCodec } from '../../src/codec/msgpack.codec.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { decodeBody, encodeBody } from '../../src/codec/pipeline.js';
import { ownKeysObject, viaCopy, viaEncode } from '../codec/support.js';

/** The code the change replaced. */
const REFERENCE = /__proto__|constructor|prototype/;

const codec = new JSONCodec();


/** Every own key, at any depth, of the value JSON.parse builds from `text` (JSON.parse makes `__proto__` an own key). */
function ownKeysDeep(text: string): string[] {
  const keys: string[] = [];
  const stack: unknown[] = [JSON.parse(text) as unknown];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    for (const key of Object.keys(value)) {
      keys.push(key);
      stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return keys;
}

function assertNoForbiddenKeyOut(text: string): void {
  if (text.startsWith('throws') || text === '') return;
  const bad = ownKeysDeep(text).filter((key) => FORBIDDEN_KEYS.has(key));
  assert.deepEqual(bad, [], `a prototype key went out: ${text.slice(0, 200)}`);
}

describe('attack8: mentionsForbiddenKey against the regex it replaced', () => {
  it('A8-J1: should agree with the regex on every sequence of up to 4 tokens cut from the keys (overlaps of proto)', () => {
    const tokens = ['_', '__', 'proto', 'type', 'typ', 'e', 'p', 'pro', 'to', 'o__', '__p', 'constructo', 'r', 'x', '\u{1F600}', '\ud800'];
    let checked = 0;
    const visit = (prefix: string, depth: number): void => {
      assert.equal(mentionsForbiddenKey(prefix), REFERENCE.test(prefix), JSON.stringify(prefix));
      checked++;
      if (depth === 4) return;
      for (const token of tokens) visit(prefix + token, depth + 1);
    };
    visit('', 0);
    assert.ok(checked > 60_000);
  });

  it('A8-J2: should agree with the regex on each key with one character deleted, doubled, swapped or replaced, inside any Unicode', () => {
    const variants = new Set<string>();
    for (const key of FORBIDDEN_KEYS) {
      for (let i = 0; i <= key.length; i++) {
        variants.add(key.slice(0, i) + key.slice(i + 1));
        variants.add(key.slice(0, i) + key.charAt(i) + key.slice(i));
        variants.add(key.slice(0, i) + key.charAt(i + 1) + key.charAt(i) + key.slice(i + 2));
        for (const c of ['_', 'p', 'o', 't', 'P', '\u0000', '\u00e9', '\ud83d', '\u200b']) variants.add(key.slice(0, i) + c + key.slice(i + 1));
      }
    }
    const piece = fc.constantFrom(...variants, '__proto__', 'prototype', 'constructor', 'proto');
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 8 }), (parts) => {
        const text = parts.join('');
        assert.equal(mentionsForbiddenKey(text), REFERENCE.test(text), JSON.stringify(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it('A8-J3: should agree on long text packed with near misses, in linear time', () => {
    const cases = [
      'proto'.repeat(200_000),
      '_proto_'.repeat(100_000),
      '__proto_'.repeat(100_000) + '_',
      'prototyp'.repeat(100_000) + 'e',
      'constructo'.repeat(100_000) + 'r',
      '__proto'.repeat(100_000) + '__',
      'x'.repeat(1_000_000) + 'prototype',
    ];
    for (const text of cases) {
      const started = process.hrtime.bigint();
      assert.equal(mentionsForbiddenKey(text), REFERENCE.test(text), `${text.slice(0, 20)}… (${text.length})`);
      assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2_000, 'the search stays linear');
    }
  });
});

describe('attack8: end to end, no prototype key leaves encode or enters decodeBody', () => {
  const values: Record<string, () => unknown> = {
    ownConstructorOnInstance: () => {
      const instance = new (class Dto {
        name = 'x';
      })();
      (instance as unknown as Record<string, unknown>)['constructor'] = { prototype: { polluted: true } };
      return instance;
    },
    nullProtoWithProtoKey: () => Object.defineProperty(Object.create(null) as object, '__proto__', { value: { admin: true }, enumerable: true }),
    toJSONReturningProtoKey: () => ({ a: { toJSON: () => JSON.parse('{"__proto__":{"admin":true},"ok":1}') as unknown } }),
    getterReturningProtoKey: () => ({
      get a() {
        return JSON.parse('{"constructor":{"prototype":{"x":1}}}') as unknown;
      },
    }),
    proxyOwnKeysProto: () => ({
      deep: [new Proxy({}, { ownKeys: () => ['prototype', 'y'], getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }), get: () => 1 })],
    }),
    keysThatOnlyContainTheWords: () => ({ my__proto__key: 1, constructors: 2, prototypes: 3, 'pro\u0074otype2': 4 }),
    escapedSpellingInSource: () => JSON.parse('{"__pro\\u0074o__":{"admin":true},"\\u0063onstructor":1,"prot\\u006ftype":2,"k":"v"}') as unknown,
    astralNeighbours: () => JSON.parse('{"\\ud83d__proto__":1,"__proto__\\ud800":2,"x":{"__proto__":3}}') as unknown,
  };
  for (const [name, make] of Object.entries(values)) {
    it(`A8-J4: should write ${name} without a prototype key, as the copy path does`, () => {
      const text = viaEncode(make());
      assertNoForbiddenKeyOut(text);
      assert.equal(text, viaCopy(make()));
    });
  }

  it('A8-J5: should keep keys that only contain a forbidden word, on every path', () => {
    const text = viaEncode({ my__proto__key: 1, constructors: 2, prototypes: 3 });
    assert.deepEqual(JSON.parse(text), { my__proto__key: 1, constructors: 2, prototypes: 3 });
  });

  const escapedBodies: Record<string, string> = {
    flatEscapedProto: '{"__pro\\u0074o__":1}',
    flatEscapedProtoObject: '{"a":"b","__pro\\u0074o__":{"admin":true}}',
    flatEscapedConstructor: '{"\\u0063onstructor":"x"}',
    flatEscapedPrototype: '{"prot\\u006Ftype":null}',
    fullyEscaped: '{"\\u005f\\u005f\\u0070\\u0072\\u006f\\u0074\\u006f\\u005f\\u005f":1}',
    nestedEscaped: '{"a":{"b":[{"\\u0070rototype":1}]}}',
    afterLongString: `{"s":"${'x'.repeat(64)}","\\u0063onstructor":1}`,
  };
  for (const [name, body] of Object.entries(escapedBodies)) {
    it(`A8-J6: should refuse the request body ${name} with a forbidden-key error`, () => {
      assert.throws(
        () => decodeBody(codec, Buffer.from(body, 'utf8'), DEFAULT_CODEC_LIMITS),
        (error: unknown) => (error as { id?: string }).id === 'BST_ERR_CODEC_FORBIDDEN_KEY',
      );
    });
  }

  it('A8-J7: should round-trip random values holding forbidden keys through encode and decode without one surviving', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'proto', '__proto', 'type'), fc.string({ maxLength: 4 }));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), tie('array'), tie('object')),
      array: fc.array(tie('node'), { maxLength: 3 }),
      object: fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }).map(ownKeysObject),
    })).node;
    const msgpack = new MsgpackCodec();
    fc.assert(
      fc.property(value, (v) => {
        const text = viaEncode(v);
        assertNoForbiddenKeyOut(text);
        assert.equal(text, viaCopy(v));
        // What goes out is accepted by the peer's decode (no key it would refuse).
        if (text !== '') decodeBody(codec, Buffer.from(text, 'utf8'), DEFAULT_CODEC_LIMITS);
        decodeBody(msgpack, encodeBody(msgpack, v), DEFAULT_CODEC_LIMITS);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('attack8: the depth check encode runs on long text', () => {
  /** `levels` nested arrays, each holding `filler` before the next level. */
  function nestedWith(levels: number, filler: string): unknown {
    let value: unknown = [filler];
    for (let i = 1; i < levels; i++) value = [filler, value];
    return value;
  }
  // Backslash runs and quotes placed around the 32-byte stretch read in JS and the 1 KiB it grows to.
  const fillers = [
    '\\'.repeat(31) + '"',
    '\\'.repeat(32) + '"[',
    `${'a'.repeat(30)}\\"${'['.repeat(8)}`,
    `${'\\"'.repeat(600)}[[[{`,
    `${'x'.repeat(1023)}\\\\"]]]`,
    `${'"'.repeat(40)}${'\\'.repeat(33)}`,
    '}]'.repeat(20),
  ];
  for (const [index, filler] of fillers.entries()) {
    it(`A8-J8: should treat 1000 and 1001 levels as the copy does with brackets, quotes and backslashes in strings (filler ${index})`, () => {
      for (const levels of [999, 1000, 1001]) {
        const text = viaEncode(nestedWith(levels, filler));
        assert.equal(text, viaCopy(nestedWith(levels, filler)), `levels ${levels}`);
        assert.equal(text.startsWith('throws'), levels > 1000, `levels ${levels}`);
      }
    });
  }
});
