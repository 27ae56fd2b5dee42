// checkDecodedValue checks an object holding no object without the walk's stacks (issue 8,
// part 7). These properties hold it to the walk alone, kept here as the reference: on any
// decoded value and limits both accept, or both refuse with the same error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CodecLimits } from '../../src/codec/codec.js';
import { checkDecodedValue } from '../../src/codec/value-check.js';
import { referenceCheck } from './reference-value-check.js';
import { outcome, ownKeysObject } from './support.js';


const key = fc.oneof(fc.constantFrom('name', 'count', 'a', 'bb', 'ccc', 'constructor', 'prototype'), fc.string({ maxLength: 6 }));
const leaf = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(new Uint8Array(2)));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }).map((entries) => {
    const object = ownKeysObject(entries);
    if (entries.length > 0 && entries[0]?.[0] === 'a') Object.defineProperty(object, '__proto__', { value: 1, enumerable: true });
    return object;
  }),
})).node;
const limits = fc.record({
  maxBytes: fc.constant(1 << 20),
  maxDepth: fc.integer({ min: 0, max: 4 }),
  maxKeys: fc.integer({ min: 0, max: 5 }),
  maxArrayLength: fc.integer({ min: 0, max: 4 }),
  maxStringLength: fc.integer({ min: 0, max: 6 }),
});

describe('checkDecodedValue', () => {
  it('should accept and refuse exactly what the walk alone does, with the same error', () => {
    fc.assert(
      fc.property(value, limits, (v, l) => assert.equal(outcome(() => checkDecodedValue(v, l)), outcome(() => referenceCheck(v, l)))),
      { numRuns: 20_000 },
    );
  });

  it('should refuse a forbidden key in a flat object before a string that is too long, as the walk does', () => {
    const flat = JSON.parse('{"name":"much too long","constructor":1}') as unknown;
    const l: CodecLimits = { maxBytes: 1024, maxDepth: 8, maxKeys: 8, maxArrayLength: 8, maxStringLength: 4 };
    assert.match(outcome(() => checkDecodedValue(flat, l)), /constructor/);
  });
});
