import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Codec, CodecLimits } from '../../src/codec/codec.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { decodeBody, encodeBody } from '../../src/codec/pipeline.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { throwsBastion, utf8 } from './support.js';

/** A codec that records the order of its calls and can be told to misbehave. */
class RecordingCodec implements Codec {
  readonly name = 'recording';
  readonly contentType = 'application/x-recording';
  readonly calls: string[] = [];
  constructor(private readonly parseThrows?: unknown) {}
  checkRaw(_bytes: Uint8Array, _limits: CodecLimits): void {
    this.calls.push('checkRaw');
  }
  parse(_bytes: Uint8Array, _limits: CodecLimits): unknown {
    this.calls.push('parse');
    if (this.parseThrows !== undefined) throw this.parseThrows;
    return { parsed: true };
  }
  sanitize(value: unknown): unknown {
    this.calls.push('sanitize');
    return value;
  }
  serialize(_value: unknown): Uint8Array {
    this.calls.push('serialize');
    return utf8('x');
  }
}

describe('codec pipeline', () => {
  describe('.decodeBody', () => {
    describe('when the body is non-empty', () => {
      it('should run checkRaw before parse', () => {
        const codec = new RecordingCodec();
        assert.deepEqual(decodeBody(codec, utf8('{}'), DEFAULT_CODEC_LIMITS), { parsed: true });
        assert.deepEqual(codec.calls, ['checkRaw', 'parse']);
      });
    });

    describe('when the body is empty', () => {
      it('should return undefined without parsing', () => {
        const codec = new RecordingCodec();
        assert.equal(decodeBody(codec, new Uint8Array(0), DEFAULT_CODEC_LIMITS), undefined);
        assert.deepEqual(codec.calls, ['checkRaw']);
      });
    });

    describe('when checkRaw refuses the body', () => {
      it('should never call parse', () => {
        const json = new JSONCodec();
        let parsed = false;
        json.parse = () => {
          parsed = true;
          return undefined;
        };
        throwsBastion(() => decodeBody(json, utf8('[[[1]]]'), { ...DEFAULT_CODEC_LIMITS, maxDepth: 2 }), 'BST_ERR_CODEC_TOO_DEEP', 400);
        assert.equal(parsed, false);
      });
    });

    describe('when the parser throws something other than a BastionError', () => {
      it('should turn it into a 400 DECODE keeping the cause for the log only', () => {
        const cause = new RangeError('Maximum call stack size exceeded');
        const error = throwsBastion(() => decodeBody(new RecordingCodec(cause), utf8('x'), DEFAULT_CODEC_LIMITS), 'BST_ERR_CODEC_DECODE', 400);
        assert.equal(error.cause, cause);
        assert.doesNotMatch(JSON.stringify(error.toWire()), /stack/);
      });
    });

    describe('when the parser throws a BastionError', () => {
      it('should pass it through unchanged', () => {
        const forbidden = new BastionError('BST_ERR_CODEC_FORBIDDEN_KEY');
        assert.throws(() => decodeBody(new RecordingCodec(forbidden), utf8('x'), DEFAULT_CODEC_LIMITS), (e) => e === forbidden);
      });
    });
  });

  describe('.encodeBody', () => {
    describe('when given a value', () => {
      it('should sanitize before serializing', () => {
        const codec = new RecordingCodec();
        encodeBody(codec, { a: 1 });
        assert.deepEqual(codec.calls, ['sanitize', 'serialize']);
      });
    });

    describe('when given undefined', () => {
      it('should return an empty body that decodes back to undefined', () => {
        const json = new JSONCodec();
        const body = encodeBody(json, undefined);
        assert.equal(body.byteLength, 0);
        assert.equal(decodeBody(json, body, DEFAULT_CODEC_LIMITS), undefined);
      });
    });

    describe('when given a value with a Date and a function', () => {
      it('should round-trip through the JSON codec as plain data', () => {
        const json = new JSONCodec();
        const body = encodeBody(json, { at: new Date(0), run: () => 1 });
        assert.deepEqual(decodeBody(json, body, DEFAULT_CODEC_LIMITS), { at: '1970-01-01T00:00:00.000Z' });
      });
    });
  });
});
