// Every way a body is refused before the handler comes back as a rejected promise, never as a
// throw: V8 tiers a function up only when it returns, so a refusal path that throws stays in
// the interpreter for as long as refusals are all it sees (a flood of bad requests).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { CodecRegistry } from '../../src/codec/codecs.js';
import type { ErrorId } from '../../src/errors/catalogue.js';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { DEFAULT_CODEC_LIMITS } from '../../src/codec/options.js';
import { requestBinding } from '../../src/server/bind-request.js';
import type { EndpointDescriptor } from '../../src/server/server.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';
import { rejectsBastion } from '../codec/support.js';

class Greeting {
  @IsString()
  name!: string;
}

class Greeter {}

function endpoint(request: EndpointDescriptor['request']): EndpointDescriptor {
  return {
    service: 'greeter',
    version: '1.0.0',
    endpoint: 'Greeter.hello',
    serviceClass: Greeter,
    method: 'hello',
    request,
    codec: 'application/json',
    rateLimits: [],
    mutualTLS: undefined,
    maxInFlight: { service: undefined, endpoint: undefined },
    wrappers: [],
  };
}

const codecs = new CodecRegistry([new JSONCodec()]);
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('requestBinding', () => {
  const bind = requestBinding(endpoint(Greeting), codecs, DEFAULT_CODEC_LIMITS, new StrictBinder());
  const bindNoBody = requestBinding(endpoint(undefined), codecs, DEFAULT_CODEC_LIMITS, new StrictBinder());

  const refusals: [string, () => unknown, ErrorId, number][] = [
    ['another content type', () => bind('application/msgpack', bytes('{}')), 'BST_ERR_CODEC_UNSUPPORTED', 415],
    ['bytes that are not JSON', () => bind('application/json', bytes('{"name":')), 'BST_ERR_CODEC_DECODE', 400],
    ['a value failing validation', () => bind('application/json', bytes('{"name":7}')), 'BST_ERR_VALIDATION_FAILED', 400],
    ['a body for an endpoint that takes none', () => bindNoBody('application/json', bytes('{"x":1}')), 'BST_ERR_VALIDATION_FAILED', 400],
  ];
  for (const [what, run, id, code] of refusals) {
    it(`should return ${what} as a rejected promise (${code}), not throw it`, async () => {
      let result: unknown;
      assert.doesNotThrow(() => {
        result = run();
      });
      assert.ok(result instanceof Promise);
      await rejectsBastion(result as Promise<unknown>, id, code);
    });
  }

  it('should hand back the bound request itself when nothing is refused', () => {
    const request = bind('application/json', bytes('{"name":"Ada"}'));
    assert.ok(request instanceof Greeting);
    assert.equal(request.name, 'Ada');
  });
});
