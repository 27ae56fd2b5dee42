// Attack round 8 on checkDecodedValue's fast path for a flat object (eee9d0b, `checkedFlat`).
// The claim: for any value and any limits it accepts and refuses exactly as the old walk did,
// with the same error. The existing property test builds plain objects of plain data only;
// here the values are what a custom codec's parser (defineCodec) or app code may hand over:
// class instances, null-prototype objects, accessors, Proxies, boxed primitives, Maps, Dates,
// typed arrays, DataViews, ArrayBuffers, functions, and limits at 0, NaN, Infinity or fractional.
// One more thing the old walk guaranteed: it read each key list and each property once.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FORBIDDEN_KEYS, type CodecLimits } from '../../src/codec/codec.js';
import { defineCodec } from '../../src/codec/define-codec.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { MsgpackCodec } from '../../src/codec/msgpack.codec.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { decodeBody } from '../../src/codec/pipeline.js';
import { checkDecodedValue } from '../../src/codec/value-check.js';
import { referenceCheck } from '../codec/reference-value-check.js';
import { BastionError } from '../../src/errors/bastion-error.js';

/** 'ok', the BastionError's id and detail, or the other error's class and message. */
function outcome(check: () => void): string {
  try {
    check();
    return 'ok';
  } catch (error) {
    if (BastionError.is(error)) return `${error.id} ${error.code} ${error.detail}`;
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

const LIMITS: CodecLimits = { maxBytes: 1 << 20, maxDepth: 4, maxKeys: 4, maxArrayLength: 4, maxStringLength: 5 };

/** Own enumerable data properties, `__proto__` and `constructor` included. */
function own<T extends object>(target: T, entries: readonly (readonly [string, unknown])[]): T {
  for (const [k, v] of entries) Object.defineProperty(target, k, { value: v, enumerable: true, configurable: true, writable: true });
  return target;
}

class Dto {
  declare name: unknown;
  get computed(): string {
    return 'on the prototype, never read';
  }
}

const key = fc.oneof(fc.constantFrom('a', 'bb', 'name', '__proto__', 'constructor', 'prototype', '0', 'longkey'), fc.string({ maxLength: 7 }));
const leaf = fc.oneof(
  fc.string({ maxLength: 7 }),
  fc.string({ unit: 'grapheme', maxLength: 4 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.constant(Symbol('s')),
  fc.constant(() => 1),
  fc.constant(new Uint8Array(3)),
  fc.constant(new DataView(new ArrayBuffer(2))),
  fc.constant(new ArrayBuffer(2)),
  fc.constant(new Date(0)),
  fc.constant(new Map([['__proto__', 1]])),
  fc.constant(new Set([1])),
  fc.string({ maxLength: 7 }).map((s) => new String(s)),
  fc.constant(new Number(1)),
);
/** The containers a parser or app code could build: each turns a list of entries into an object. */
const shapes: readonly ((entries: readonly (readonly [string, unknown])[]) => object)[] = [
  (entries) => own({}, entries),
  (entries) => own(Object.create(null) as object, entries),
  (entries) => own(new Dto(), entries),
  (entries) => Object.freeze(own({}, entries)),
  // Stateless accessors: each read gives the same value.
  (entries) => {
    const target = {};
    for (const [k, v] of entries) Object.defineProperty(target, k, { get: () => v, enumerable: true, configurable: true });
    return target;
  },
  // A stateless Proxy over a plain object.
  (entries) => new Proxy(own({}, entries), {}),
  // Non-enumerable entries are invisible to both.
  (entries) => {
    const target = own({}, entries.slice(0, 1));
    for (const [k, v] of entries.slice(1)) Object.defineProperty(target, k, { value: v, enumerable: false, configurable: true });
    return target;
  },
];
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 5 }),
  object: fc.tuple(fc.nat(shapes.length - 1), fc.array(fc.tuple(key, tie('node')), { maxLength: 6 })).map(([shape, entries]) => (shapes[shape] as (typeof shapes)[number])(entries)),
})).node;
const limitValue = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5, 1.5));
const limits = fc.record({ maxBytes: fc.constant(1 << 20), maxDepth: limitValue, maxKeys: limitValue, maxArrayLength: limitValue, maxStringLength: limitValue });

describe('attack8: checkDecodedValue holds to the walk it replaced', () => {
  it('A8-V1: should accept and refuse as the walk does on odd values (class instances, null prototypes, accessors, Proxies, boxed values, views) and odd limits', () => {
    fc.assert(
      fc.property(value, limits, (v, l) => assert.equal(outcome(() => checkDecodedValue(v, l)), outcome(() => referenceCheck(v, l)))),
      { numRuns: 20_000 },
    );
  });

  it('A8-V2: should refuse own forbidden keys on flat roots of every shape, ahead of a long string', () => {
    for (const shape of shapes.slice(0, 6)) {
      for (const forbidden of FORBIDDEN_KEYS) {
        const root = shape([['s', 'much too long'], [forbidden, 1]]);
        assert.match(outcome(() => checkDecodedValue(root, LIMITS)), new RegExp(`FORBIDDEN_KEY .*'${forbidden}'`));
      }
    }
  });

  it('A8-V3: should give a root that is a typed array, a boxed string, a Map, a Date or an array what the walk gives, at maxDepth 0 and 1', () => {
    const roots: unknown[] = [new Uint8Array(10), Buffer.from('0123456789'), new String('0123456789'), new Map([['a', 'b']]), new Date(0), ['x'], [], {}, Object.create(null), new Number(5)];
    for (const maxDepth of [0, 1]) {
      for (const root of roots) {
        const l = { ...LIMITS, maxDepth };
        assert.equal(outcome(() => checkDecodedValue(root, l)), outcome(() => referenceCheck(root, l)), `${Object.prototype.toString.call(root)} at maxDepth ${maxDepth}`);
      }
    }
  });
});

describe('attack8: values whose reads change (accessors, Proxies from a custom parser)', () => {
  it('A8-V4: should read each property of the root once, as the walk did', () => {
    let reads = 0;
    const root = {
      get a() {
        reads++;
        return 'x';
      },
      b: { n: true },
    };
    checkDecodedValue(root, LIMITS);
    const newReads = reads;
    reads = 0;
    referenceCheck(root, LIMITS);
    assert.equal(newReads, reads, `the check read the accessor ${newReads} times, the walk ${reads}`);
  });

  it('A8-V5: should read the key list of the root once, as the walk did', () => {
    let ownKeysCalls = 0;
    const target = { a: 1, b: { n: true } };
    const root = new Proxy(target, {
      ownKeys(t) {
        ownKeysCalls++;
        return Reflect.ownKeys(t);
      },
    });
    checkDecodedValue(root, LIMITS);
    const newCalls = ownKeysCalls;
    ownKeysCalls = 0;
    referenceCheck(root, LIMITS);
    assert.equal(newCalls, ownKeysCalls, `the check listed the keys ${newCalls} times, the walk ${ownKeysCalls}`);
  });

  /** An object whose `a` gives a long string on its first read only (a one-shot source), beside a nested object. */
  const oneShotLong = () => {
    let first = true;
    return {
      get a() {
        const text = first ? 'much too long' : '';
        first = false;
        return text;
      },
      b: { n: true },
    };
  };

  it('A8-V6: should refuse a string too long on its only read, as the walk did (a value read once gives one verdict)', () => {
    assert.equal(outcome(() => checkDecodedValue(oneShotLong(), LIMITS)), outcome(() => referenceCheck(oneShotLong(), LIMITS)));
  });

  /** A Proxy listing more keys than allowed the first time it is asked only. */
  const shrinkingKeys = () => {
    let calls = 0;
    const target: Record<string, unknown> = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 };
    return new Proxy(target, {
      ownKeys(t) {
        calls++;
        return calls === 1 ? Reflect.ownKeys(t) : ['a'];
      },
    });
  };

  it('A8-V7: should refuse an object with too many keys on its only listing, as the walk did', () => {
    assert.equal(outcome(() => checkDecodedValue(shrinkingKeys(), LIMITS)), outcome(() => referenceCheck(shrinkingKeys(), LIMITS)));
  });

  it('A8-V8: should end the same way through a defineCodec codec whose parser returns a one-shot value', () => {
    const codec = defineCodec({
      contentType: 'application/x-oneshot',
      checkRaw: () => undefined,
      parse: () => oneShotLong(),
      sanitize: (v) => v,
      serialize: () => new Uint8Array(0),
    });
    let result = 'ok';
    try {
      decodeBody(codec, new Uint8Array([1]), LIMITS);
    } catch (error) {
      result = (error as { id?: string }).id ?? String(error);
    }
    // The walk read `a` once, saw 13 characters and refused with 413.
    assert.equal(result, 'BST_ERR_CODEC_TOO_LARGE');
  });
});

describe('attack8: the real codecs on flat bodies at the limits', () => {
  const limits: CodecLimits = { ...DEFAULT_CODEC_LIMITS, maxKeys: 3, maxStringLength: 8, maxDepth: 1 };
  const json = new JSONCodec();
  const msgpack = new MsgpackCodec();
  const cases: readonly [string, unknown, string][] = [
    ['three short keys', { a: 'x', b: 1, c: null }, 'ok'],
    ['four keys', { a: 1, b: 2, c: 3, d: 4 }, 'BST_ERR_CODEC_TOO_LARGE'],
    ['a string of 9 characters', { a: '123456789' }, 'BST_ERR_CODEC_TOO_LARGE'],
    ['an astral string of 8 code units', { a: '\u{1F600}'.repeat(4) }, 'ok'],
    ['an astral string of 10 code units', { a: '\u{1F600}'.repeat(5) }, 'BST_ERR_CODEC_TOO_LARGE'],
    ['a key of 9 characters', { abcdefghi: 1 }, 'BST_ERR_CODEC_TOO_LARGE'],
    ['an empty object at maxDepth 1', {}, 'ok'],
    ['a nested object at maxDepth 1', { a: {} }, 'BST_ERR_CODEC_TOO_DEEP'],
    ['an array at maxDepth 1', { a: [] }, 'BST_ERR_CODEC_TOO_DEEP'],
  ];
  for (const [name, body, expected] of cases) {
    it(`A8-V9: should decode ${name} to ${expected} with JSON and MessagePack`, () => {
      for (const [codecName, bytes, codec] of [
        ['json', Buffer.from(JSON.stringify(body)), json],
        ['msgpack', msgpack.serialize(body), msgpack],
      ] as const) {
        let result = 'ok';
        try {
          decodeBody(codec, bytes, limits);
        } catch (error) {
          result = (error as { id?: string }).id ?? String(error);
        }
        assert.equal(result, expected, codecName);
      }
    });
  }
});
