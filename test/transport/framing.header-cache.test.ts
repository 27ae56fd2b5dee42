// Decoded request headers are cached by their exact text: the cache must never hand one
// call's header to another, never keep per-call metadata, and stay bounded whatever a peer sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedRequestHeaders, decodePayload, encodeFrame, MAX_CACHED_HEADERS, type Frame } from '../../src/transport/framing.js';

const PREFIX = 4;
const body = new TextEncoder().encode('{}');

function roundTrip(frame: Frame): Frame {
  return decodePayload(encodeFrame(frame).subarray(PREFIX));
}

function request(endpoint: string, metadata: Record<string, string>, timeoutMs = 1000): Frame {
  return { kind: 'request', callId: 1, header: { service: 'svc', endpoint, contentType: 'application/json', metadata, timeoutMs }, body };
}

describe('request header cache', () => {
  it('should decode the same header text to the same frozen header, and different texts to their own', () => {
    const first = roundTrip(request('A.one', {}));
    const again = roundTrip(request('A.one', {}));
    const other = roundTrip(request('A.one', {}, 2000));
    assert.ok(first.kind === 'request' && again.kind === 'request' && other.kind === 'request');
    assert.equal(first.header, again.header);
    assert.ok(Object.isFrozen(first.header));
    assert.equal(other.header.timeoutMs, 2000);
    assert.equal(first.header.timeoutMs, 1000);
  });

  it('should decode metadata afresh on every call and keep none of it', () => {
    const before = cachedRequestHeaders();
    for (let i = 0; i < 50; i++) {
      const frame = roundTrip(request('A.traced', { 'trace-id': `t-${i}` }));
      assert.ok(frame.kind === 'request');
      assert.equal(frame.header.metadata['trace-id'], `t-${i}`);
    }
    assert.ok(cachedRequestHeaders() <= before, 'headers carrying metadata are never cached');
  });

  it(`should stay within ${MAX_CACHED_HEADERS} entries when a peer sends endless distinct headers`, () => {
    for (let i = 0; i < MAX_CACHED_HEADERS * 5; i++) {
      const frame = roundTrip(request(`Flood.e${i}`, {}));
      assert.ok(frame.kind === 'request');
      assert.equal(frame.header.endpoint, `Flood.e${i}`);
      assert.ok(cachedRequestHeaders() <= MAX_CACHED_HEADERS);
    }
  });

  it('should still refuse a malformed header whose text was never cached', () => {
    const frame = encodeFrame(request('A.one', {}));
    // Break the JSON of the header: its closing brace becomes a space.
    const headerEnd = frame.lastIndexOf(0x7d, frame.length - body.byteLength - 1);
    frame[headerEnd] = 0x20;
    assert.throws(() => decodePayload(frame.subarray(PREFIX)), /malformed/i);
  });
});

describe('response header of the last reply', () => {
  const response = (contentType: string): Frame => ({ kind: 'response', callId: 7, contentType, body });

  it('should give each reply its own content type when replies alternate between two', () => {
    for (let i = 0; i < 6; i++) {
      const contentType = i % 2 === 0 ? 'application/json' : 'application/msgpack';
      const frame = roundTrip(response(contentType));
      assert.ok(frame.kind === 'response');
      assert.equal(frame.contentType, contentType);
    }
  });

  it('should not be fooled when the chunk a remembered header came from is reused', () => {
    const chunk = encodeFrame(response('application/json'));
    const first = decodePayload(chunk.subarray(PREFIX));
    assert.ok(first.kind === 'response' && first.contentType === 'application/json');
    // The socket's chunk is overwritten in place with another reply of the same length.
    chunk.set(encodeFrame(response('application/jsoX')));
    const second = decodePayload(chunk.subarray(PREFIX));
    assert.ok(second.kind === 'response');
    assert.equal(second.contentType, 'application/jsoX');
  });
});
