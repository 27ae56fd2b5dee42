import 'reflect-metadata';
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Container } from 'inversify';
import type { Codec, CodecLimits } from '../../src/codec/codec.js';
import { CodecRegistry, DEFAULT_CONTENT_TYPE } from '../../src/codec/codecs.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { TOKENS } from '../../src/container/tokens.js';
import { throwsBastion } from './support.js';

class FakeCodec implements Codec {
  readonly name = 'fake';
  constructor(readonly contentType: string) {}
  checkRaw(_bytes: Uint8Array, _limits: CodecLimits): void {}
  parse(_bytes: Uint8Array, _limits: CodecLimits): unknown {
    return undefined;
  }
  sanitize(value: unknown): unknown {
    return value;
  }
  serialize(_value: unknown): Uint8Array {
    return new Uint8Array(0);
  }
}

describe(CodecRegistry.name, () => {
  let json: JSONCodec;
  let registry: CodecRegistry;

  beforeEach(() => {
    json = new JSONCodec();
    registry = new CodecRegistry([json, new FakeCodec('application/x-fake')]);
  });

  describe('DEFAULT_CONTENT_TYPE', () => {
    it('should be the JSON codec content type', () => {
      assert.equal(DEFAULT_CONTENT_TYPE, json.contentType);
    });
  });

  describe('.get', () => {
    describe('when a codec is bound for the content type', () => {
      it('should return it', () => {
        assert.equal(registry.get('application/json'), json);
        assert.equal(registry.get('application/x-fake').name, 'fake');
      });
    });

    describe('when the content type differs in case or carries parameters', () => {
      it('should still find the codec', () => {
        assert.equal(registry.get('Application/JSON'), json);
        assert.equal(registry.get('application/json; charset=utf-8'), json);
      });
    });

    describe('when no codec is bound for the content type', () => {
      it('should throw a 415 that does not echo the content type', () => {
        const error = throwsBastion(() => registry.get('text/x-evil<script>'), 'BST_ERR_CODEC_UNSUPPORTED', 415);
        assert.doesNotMatch(error.detail, /evil/);
      });
    });

    describe('when the content type is an Object.prototype name', () => {
      it('should not find anything', () => {
        throwsBastion(() => registry.get('constructor'), 'BST_ERR_CODEC_UNSUPPORTED', 415);
        throwsBastion(() => registry.get('__proto__'), 'BST_ERR_CODEC_UNSUPPORTED', 415);
      });
    });
  });

  describe('.has', () => {
    describe('when asked about bound and unbound content types', () => {
      it('should answer without throwing', () => {
        assert.equal(registry.has('application/json'), true);
        assert.equal(registry.has('application/msgpack'), false);
      });
    });
  });

  describe('.contentTypes', () => {
    it('should list every bound content type', () => {
      assert.deepEqual(registry.contentTypes(), ['application/json', 'application/x-fake']);
    });
  });

  describe('constructor', () => {
    describe('when two codecs claim the same content type', () => {
      it('should refuse the configuration', () => {
        throwsBastion(() => new CodecRegistry([json, new FakeCodec('APPLICATION/JSON')]), 'BST_ERR_BOOT_INVALID_CONFIG', 500);
      });
    });

    describe('when resolved from an inversify container', () => {
      it('should receive every codec multi-bound to TOKENS.Codecs', () => {
        const container = new Container();
        container.bind(TOKENS.Codecs).to(JSONCodec).inSingletonScope();
        container.bind(TOKENS.Codecs).toConstantValue(new FakeCodec('application/x-fake'));
        container.bind(CodecRegistry).toSelf().inSingletonScope();
        const resolved = container.get(CodecRegistry);
        assert.ok(resolved.get('application/json') instanceof JSONCodec);
        assert.equal(resolved.has('application/x-fake'), true);
      });
    });
  });
});
