import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { csvLineCodec } from '../../examples/custom-codec/csv-line.codec.js';
import { runCsvExample, type CsvOutcome } from '../../examples/custom-codec/run.js';
import { DEFAULT_CODEC_LIMITS, resolveCodecLimits } from '../../src/codec/options.js';
import { decodeBody, encodeBody } from '../../src/codec/pipeline.js';
import { prototypeKeys, throwsBastion, utf8 } from '../codec/support.js';

const limits = DEFAULT_CODEC_LIMITS;

describe('csvLineCodec (examples/custom-codec)', () => {
  describe('.parse', () => {
    describe('when given one header line and one record', () => {
      it('should decode it to an object of strings', () => {
        assert.deepEqual(decodeBody(csvLineCodec, utf8('sku,quantity\nA-1,3'), limits), { sku: 'A-1', quantity: '3' });
      });
    });

    describe('when the header names __proto__, constructor or prototype', () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        it(`should refuse '${key}' as a forbidden key through defineCodec's key filter`, () => {
          const before = prototypeKeys();
          throwsBastion(() => decodeBody(csvLineCodec, utf8(`sku,${key}\nA-1,x`), limits), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
          assert.deepEqual(prototypeKeys(), before);
        });
      }
    });

    describe('when the body breaks the raw check', () => {
      it('should refuse three lines, quotes, invalid UTF-8 and a mismatched record with a 400', () => {
        for (const body of [utf8('a\nb\nc'), utf8('a\n"b"'), Uint8Array.of(0x61, 0x0a, 0xff), utf8('a,b\n1'), utf8('a,a\n1,2')]) {
          throwsBastion(() => decodeBody(csvLineCodec, body, limits), 'BST_ERR_CODEC_DECODE', 400);
        }
      });

      it('should refuse a body over maxBytes with a 413 before its own check runs', () => {
        throwsBastion(() => decodeBody(csvLineCodec, utf8('a\n12345'), resolveCodecLimits({ maxBytes: 4 })), 'BST_ERR_CODEC_TOO_LARGE', 413);
      });
    });
  });

  describe('.sanitize', () => {
    describe('when a reply carries a separator or a nested value', () => {
      it('should refuse to encode it rather than corrupt the line', () => {
        assert.throws(() => encodeBody(csvLineCodec, { note: 'a,b' }), TypeError);
        assert.throws(() => encodeBody(csvLineCodec, { nested: { a: 1 } }), TypeError);
      });
    });
  });

  describe('runCsvExample', () => {
    let dir: string;
    let outcomes: CsvOutcome[];
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bastion-csv-'));
      outcomes = await runCsvExample(dir);
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('should serve a good order over text/csv picked from the registry', () => {
      assert.deepEqual(outcomes[0], { step: 'good order', result: { sku: 'A-1', quantity: '3', accepted: 'true' } });
    });

    it('should answer a hostile order with 400 naming each field, value not echoed', () => {
      const wire = outcomes[1]?.result as { code: number; fields: Array<{ path: string }> };
      assert.equal(wire.code, 400);
      assert.deepEqual(wire.fields.map((f) => f.path).sort(), ['isAdmin', 'quantity']);
      assert.doesNotMatch(JSON.stringify(wire), /lots/);
    });
  });
});
