// JSONCodec.encode looks for any mention of a forbidden key in the text it wrote with native
// substring searches instead of the regular expression it used before (issue 8, part 7).
// These properties hold the search to that expression, kept here as the reference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JSONCodec, mentionsForbiddenKey } from '../../src/codec/json.codec.js';

const REFERENCE = /__proto__|constructor|prototype/;

/** Text built from pieces of the forbidden keys, so near misses and overlaps are common. */
const nearMisses = fc
  .array(fc.constantFrom('_', '__', 'proto', 'type', 'prototype', '__proto__', 'constructor', 'construct', 'or', 'p', 'x', '"', ':', '{', '}'), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('mentionsForbiddenKey', () => {
  it('should agree with /__proto__|constructor|prototype/ on text made of pieces of those keys', () => {
    fc.assert(fc.property(nearMisses, (text) => assert.equal(mentionsForbiddenKey(text), REFERENCE.test(text), text)), { numRuns: 20_000 });
  });

  it('should agree with the expression on any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 64 }), (text) => assert.equal(mentionsForbiddenKey(text), REFERENCE.test(text))), { numRuns: 5_000 });
  });

  for (const text of ['__proto__', 'x__proto__y', '"prototype"', 'constructor', '_proto__', '__proto_', 'protoype', 'proto', '__prot__', 'p__proto__']) {
    it(`should say ${REFERENCE.test(text)} for ${JSON.stringify(text)}, as the expression does`, () => {
      assert.equal(mentionsForbiddenKey(text), REFERENCE.test(text));
    });
  }

  it('should send a reply holding a forbidden key through the sanitising copy, which drops it', () => {
    const reply = JSON.parse('{"ok":1,"__proto__":{"admin":true},"nested":{"constructor":{"prototype":2},"keep":"prototype"}}') as unknown;
    const text = Buffer.from(new JSONCodec().encode(reply)).toString('utf8');
    assert.deepEqual(JSON.parse(text), { ok: 1, nested: { keep: 'prototype' } });
  });
});
