// Refusal headers are kept encoded (server) and decoded (client) per distinct refusal: the
// caches must never answer one refusal with another's fields, never let a caller change
// what later calls receive, leave time-dependent retry-afters out, and stay bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BastionError, type WireError } from '../../src/errors/bastion-error.js';
import { cachedErrorHeaders, decodePayload, encodeFrame, MAX_CACHED_HEADERS, type Frame } from '../../src/transport/framing.js';

const PREFIX = 4;

function roundTrip(error: WireError): WireError {
  const frame = decodePayload(encodeFrame({ kind: 'error', callId: 3, error }).subarray(PREFIX));
  assert.equal(frame.kind, 'error');
  return (frame as Frame & { kind: 'error' }).error;
}

function refusal(detail: string, constraints: string[]): WireError {
  return { id: 'BST_ERR_VALIDATION_FAILED', code: 400, status: 'Bad Request', detail, fields: [{ path: 'name', constraints }] };
}

describe('error header caches', () => {
  it('should encode refusals with the same detail but different constraints each as they are', () => {
    const a = roundTrip(refusal('cache: name', ['isString: name must be a string']));
    const b = roundTrip(refusal('cache: name', ['maxLength: name is too long']));
    assert.deepEqual(a.fields?.[0]?.constraints, ['isString: name must be a string']);
    assert.deepEqual(b.fields?.[0]?.constraints, ['maxLength: name is too long']);
  });

  it('should keep its own copy: changing an encoded error afterwards changes nothing another call receives', () => {
    const first = refusal('copy: name', ['isString: name must be a string']);
    roundTrip(first);
    (first.fields?.[0]?.constraints as string[])[0] = 'changed after sending';
    const again = roundTrip(refusal('copy: name', ['isString: name must be a string']));
    assert.deepEqual(again.fields?.[0]?.constraints, ['isString: name must be a string']);
  });

  it('should decode the same refusal to one object frozen all the way down', () => {
    const a = roundTrip(refusal('frozen: name', ['isString: name must be a string']));
    const b = roundTrip(refusal('frozen: name', ['isString: name must be a string']));
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.fields) && Object.isFrozen(a.fields?.[0]) && Object.isFrozen(a.fields?.[0]?.constraints));
    assert.throws(() => {
      (a.fields?.[0]?.constraints as string[]).push('smuggled');
    }, TypeError);
  });

  it('should encode and decode a retry-after below a second afresh on every refusal', () => {
    const limited = (retryAfterMs: number): WireError => ({ id: 'BST_ERR_RATELIMIT_EXCEEDED', code: 429, status: 'Too Many Requests', detail: 'Rate limit exceeded', retryAfterMs });
    const before = cachedErrorHeaders();
    const a = roundTrip(limited(998));
    const b = roundTrip(limited(999));
    assert.equal(a.retryAfterMs, 998);
    assert.equal(b.retryAfterMs, 999);
    assert.ok(Object.isFrozen(a));
    assert.deepEqual(cachedErrorHeaders(), before, 'errors with a retry-after below a second are never kept');
  });

  it('should never answer a refusal with another retry-after than its own', () => {
    const limited = (retryAfterMs: number): WireError => ({ id: 'BST_ERR_RATELIMIT_EXCEEDED', code: 429, status: 'Too Many Requests', detail: 'Rate limit exceeded (same text)', retryAfterMs });
    assert.equal(roundTrip(limited(2000)).retryAfterMs, 2000);
    assert.equal(roundTrip(limited(3000)).retryAfterMs, 3000);
    assert.equal(roundTrip(limited(2000)).retryAfterMs, 2000);
  });

  it(`should stay within ${MAX_CACHED_HEADERS} entries when refusals never repeat`, () => {
    for (let i = 0; i < MAX_CACHED_HEADERS * 2 + 5; i++) roundTrip(refusal(`bounded: field-${i}`, ['isString: x']));
    const { encoded, decoded } = cachedErrorHeaders();
    assert.ok(encoded <= MAX_CACHED_HEADERS && decoded <= MAX_CACHED_HEADERS, `${encoded} / ${decoded}`);
  });

  it('should rebuild a fresh BastionError from a shared decoded refusal on every call', () => {
    const wire = roundTrip(refusal('rebuilt: name', ['isString: name must be a string']));
    const a = BastionError.fromWire(wire);
    const b = BastionError.fromWire(wire);
    assert.notEqual(a, b);
    assert.equal(a.code, 400);
    assert.deepEqual(a.fields, b.fields);
    assert.ok(Object.isFrozen(a.fields));
  });

  it('should check a wire error it was handed by anyone else on every call, as it may have changed', () => {
    const wire: { id: string; code: number; status: string; detail: string } = { id: 'BST_ERR_VALIDATION_FAILED', code: 400, status: 'Bad Request', detail: 'first' };
    assert.equal(BastionError.fromWire(wire).detail, 'first');
    wire.id = 'BST_ERR_NOT_IN_THE_CATALOGUE';
    wire.detail = 'second';
    const again = BastionError.fromWire(wire);
    assert.equal(again.id, 'BST_ERR_SERVER_INTERNAL');
    assert.equal(again.detail, 'second');
  });
});
