// Attack round 7 on the JSON codec's `encode` (stringify once, check the text for a prototype
// key or deep nesting, else write the sanitising copy): encode promises the bytes
// `serialize(sanitize(value))` would write. Where the two disagree, a reply's bytes (or whether
// it is a 500 at all) depend on an unrelated string in it: any mention of `constructor`,
// `prototype` or `__proto__` (free text a caller sent and the handler echoes) sends the value
// down the copy path. Checked here: prototype-key smuggling, toJSON (with its key argument,
// on a BigInt), getters, Map/Set/Date/undefined/functions in arrays, boxed primitives, byte
// arrays, and nesting around the 1,000 levels the copy allows.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { MsgpackCodec } from '../../src/codec/msgpack.codec.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { encodeBody } from '../../src/codec/pipeline.js';
import { viaCopy, viaEncode } from '../codec/support.js';

const codec = new JSONCodec();


function nested(levels: number, leaf: unknown = {}): unknown {
  let value = leaf;
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}
function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** Values a handler may return; each is made fresh for each path (getters and toJSON may count reads). */
const VALUES: Record<string, () => unknown> = {
  ownProtoKeys: () => JSON.parse('{"a":{"__proto__":{"isAdmin":true}},"constructor":{"prototype":{"x":1}},"b":[{"__proto__":1}]}'),
  definedProtoKey: () => Object.defineProperty({ ok: 1 }, '__proto__', { value: { isAdmin: true }, enumerable: true }),
  proxyProtoKey: () => new Proxy({}, { ownKeys: () => ['__proto__', 'x'], getOwnPropertyDescriptor: () => ({ value: 1, enumerable: true, configurable: true }), get: () => 1 }),
  protoInValueOnly: () => ({ note: 'a string that says __proto__ and constructor', n: 1 }),
  keyedToJSON: () => ({ a: { toJSON: (key: string) => `key=${key}` }, list: [{ toJSON: (key: string) => `key=${key}` }] }),
  keyedToJSONBesideMention: () => ({ a: { toJSON: (key: string) => `key=${key}` }, note: 'constructor' }),
  toJSONUndefined: () => ({ a: { toJSON: () => undefined }, b: [{ toJSON: () => undefined }] }),
  toJSONSelf: () => ({ a: { x: 1, toJSON(this: unknown) { return this; } } }),
  mapSetDate: () => ({ m: new Map([[1, 2]]), s: new Set([1]), d: new Date(0), bad: new Date(Number.NaN) }),
  arrayHoles: () => [undefined, () => 1, Symbol('x'), Number.NaN, Number.POSITIVE_INFINITY, , -0, 1], // eslint-disable-line no-sparse-arrays
  boxed: () => ({ n: new Number(1), s: new String('x'), b: new Boolean(false) }),
  bytes: () => ({ b: Buffer.from('hi'), u: new Uint8Array([1, 2]) }),
  symbolKeys: () => ({ [Symbol('s')]: 1, a: 1 }),
  classWithGetter: () => new (class A {
    x = 1;
    get y(): number {
      return 2;
    }
  })(),
  depth1000: () => nested(1000),
  depth1001: () => nested(1001),
  arrays1000: () => nestedArrays(1000),
  arrays1001: () => nestedArrays(1001),
  depth1000Mention: () => nested(1000, { s: 'prototype' }),
  bigint: () => ({ n: 10n }),
  cycle: () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    return a;
  },
};

describe('attack7: JSON encode writes what the sanitising copy writes', () => {
  for (const [name, make] of Object.entries(VALUES)) {
    it(`A7-J1: should encode ${name} as the copy path does`, () => {
      assert.equal(viaEncode(make()), viaCopy(make()));
      const text = viaEncode(make());
      if (!text.startsWith('throws')) assert.ok(!/"(__proto__|constructor|prototype)"\s*:/.test(text), `a prototype key went out: ${text.slice(0, 200)}`);
    });
  }

  it('A7-J2: should encode a BigInt the app gave a toJSON the same way, whatever strings sit beside it', () => {
    const proto = BigInt.prototype as unknown as { toJSON?: () => string };
    proto.toJSON = function (this: bigint) {
      return this.toString();
    };
    try {
      const plain = viaEncode({ n: 10n, note: 'hello' });
      const echoed = viaEncode({ n: 10n, note: 'my prototype is ready' });
      // Before: {"n":"10",...} for the first, a 500 for the second: a caller's free text decides.
      assert.equal(plain, '{"n":"10","note":"hello"}');
      assert.equal(echoed, '{"n":"10","note":"my prototype is ready"}');
      assert.equal(viaCopy({ n: 10n }), '{"n":"10"}');
    } finally {
      delete proto.toJSON;
    }
    assert.equal(viaEncode({ n: 10n }), 'throws BST_ERR_SERVER_INTERNAL');
  });

  it('A7-J3: should give toJSON the key it is read under on every path, MessagePack included', () => {
    const value = () => ({ a: { toJSON: (key: string) => `key=${key}` }, list: [{ toJSON: (key: string) => `key=${key}` }] });
    assert.equal(viaEncode(value()), '{"a":"key=a","list":["key=0"]}');
    assert.equal(viaEncode({ ...value(), note: 'constructor' }), '{"a":"key=a","list":["key=0"],"note":"constructor"}');
    const packed = new MsgpackCodec();
    assert.deepEqual(packed.parse(encodeBody(packed, value()), DEFAULT_CODEC_LIMITS), { a: 'key=a', list: ['key=0'] });
  });
});
