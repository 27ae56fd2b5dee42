// JSONCodec.checkRaw skips the contents of long strings with a native search instead of
// reading every byte in JS (issue 8, part 3). These properties hold it to the byte-by-byte
// check it replaced, kept below as the reference: on any input both accept, or both refuse
// with the same error, whatever the strings, escapes, nesting and encoding.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CodecLimits } from '../../src/codec/codec.js';
import { checkBodySize, decodeFailed, tooDeep } from '../../src/codec/codec-errors.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { resolveCodecLimits } from '../../src/codec/options.js';
import { outcome, throwsBastion, utf8 } from './support.js';

/** The raw check as it was before part 3: one JS loop over every byte. */
function referenceCheckRaw(bytes: Uint8Array, limits: CodecLimits): void {
  checkBodySize(bytes, limits.maxBytes);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw decodeFailed('The request body starts with a byte order mark');
  if (!isUtf8(bytes)) throw decodeFailed('The request body is not valid UTF-8');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) {
      inString = true;
    } else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > limits.maxDepth) throw tooDeep(limits.maxDepth);
    } else if ((byte === 0x7d || byte === 0x5d) && --depth < 0) {
      throw decodeFailed('The request body is not valid JSON');
    }
  }
}

const codec = new JSONCodec();

function assertSameAsReference(bytes: Uint8Array, limits: CodecLimits): void {
  assert.equal(outcome(() => codec.checkRaw(bytes, limits)), outcome(() => referenceCheckRaw(bytes, limits)));
}

// Pieces that matter to the scan, including stretches longer than the part read in JS
// (32 bytes), backslash runs of both parities, invalid UTF-8 and encoded lone surrogates.
const token = fc.oneof(
  fc.constantFrom('{', '}', '[', ']', '"', '\\', '\\"', '\\\\', '\\\\\\"', ':', ',', '1e400', '-0', '__proto__', '"__proto__"', 'é', '😀', '\\ud800', 'a'),
  fc.integer({ min: 1, max: 3000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 70 }).map((n) => '\\'.repeat(n)),
  fc.integer({ min: 1, max: 70 }).map((n) => `${'y'.repeat(n)}\\"`),
);
const rawByte = fc.constantFrom(0x80, 0xff, 0xc0, 0xed, 0xef, 0x00, 0x22, 0x5c);
const piece = fc.oneof(
  { weight: 5, arbitrary: token.map((text) => Buffer.from(text, 'utf8')) },
  { weight: 1, arbitrary: fc.array(rawByte, { minLength: 1, maxLength: 4 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant(Buffer.from([0xed, 0xa0, 0x80])) }, // a lone surrogate, UTF-8 encoded
);
const soup = fc.array(piece, { maxLength: 60 }).map((pieces) => Buffer.concat(pieces));
const smallLimits = fc.record({ maxDepth: fc.integer({ min: 1, max: 8 }), maxBytes: fc.integer({ min: 1, max: 200_000 }) }).map((partial) => resolveCodecLimits(partial));

/** JSON values nested up to `depth`, with strings that hold quotes, backslashes, brackets and lone surrogates. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom('__proto__', 'constructor', '\ud800', '\udfff x', '"[{', '\\', '\\"]'),
  fc.integer({ min: 33, max: 5000 }).map((n) => `${'z'.repeat(n)}"[`),
);
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.double(),
    fc.constantFrom(1e308, -1e-308, Number.MAX_SAFE_INTEGER, true, null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

describe(`${JSONCodec.name}.checkRaw (native string skipping)`, () => {
  describe('on arbitrary bytes', () => {
    it('should accept or refuse exactly as the byte-by-byte check did', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), smallLimits, (bytes, limits) => assertSameAsReference(bytes, limits)), { numRuns: 1000 });
    });
  });

  describe('on JSON-like token soups', () => {
    it('should accept or refuse exactly as the byte-by-byte check did', () => {
      fc.assert(fc.property(soup, smallLimits, (bytes, limits) => assertSameAsReference(bytes, limits)), { numRuns: 1500 });
    });
  });

  describe('on encoded JSON values, deeply nested or not', () => {
    it('should accept or refuse exactly as the byte-by-byte check did', () => {
      fc.assert(
        fc.property(jsonValue, fc.integer({ min: 1, max: 12 }), (value, maxDepth) => {
          const bytes = Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
          assertSameAsReference(bytes, resolveCodecLimits({ maxDepth }));
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('when a bytes view starts inside a larger buffer', () => {
    it('should scan only the view', () => {
      const whole = utf8('[[[["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\"[[["]]]]');
      const view = new Uint8Array(whole.buffer, whole.byteOffset + 3, whole.byteLength - 6);
      assertSameAsReference(view, resolveCodecLimits({ maxDepth: 1 }));
      assert.doesNotThrow(() => codec.checkRaw(view, resolveCodecLimits({ maxDepth: 1 })));
    });
  });

  describe('when a long string holds an escaped quote followed by brackets', () => {
    it('should not count the brackets inside the string', () => {
      const body = utf8(`["${'a'.repeat(100)}\\"[[[[${'b'.repeat(100)}"]`);
      assert.doesNotThrow(() => codec.checkRaw(body, resolveCodecLimits({ maxDepth: 1 })));
    });
  });

  describe('when a long string ends in an escaped backslash before brackets', () => {
    it('should count the brackets after the string', () => {
      const body = utf8(`["${'a'.repeat(100)}\\\\\\\\",[[1]]]`);
      throwsBastion(() => codec.checkRaw(body, resolveCodecLimits({ maxDepth: 2 })), 'BST_ERR_CODEC_TOO_DEEP', 400);
    });
  });
});
