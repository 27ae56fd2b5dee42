// Attack round 4 (error headers kept encoded, commits 9ea8f68 and a544e4f): the server keeps a
// refusal's header bytes by its `detail` and reuses them when a later error compares equal
// field by field. The comparison looks at the declared parts of each field (path,
// constraints), but the bytes were made by JSON.stringify of the error's own field objects,
// with every enumerable property they carry. A handler that adds context to its field errors
// (a value, a user id: `badRequest(fields)` takes any FieldError[], and objects of a wider
// type are assignable) sends the FIRST caller's value to every later caller whose refusal has
// the same detail, path and constraints: one call's data in another's reply. (Sending a
// property the wire form does not declare is itself against errors/bastion-error.ts
// "only what a peer may see".)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FieldError } from '../../src/errors/bastion-error.js';
import { badRequest } from '../../src/errors/factories.js';
import { encodeFrame } from '../../src/transport/framing.js';

const PREFIX = 4;
const FIXED = 9;

/** The header text of the error frame the server would send for `fields`. */
function sentHeader(fields: readonly FieldError[]): string {
  const bytes = encodeFrame({ kind: 'error', callId: 9, error: badRequest(fields).toWire() });
  const headerLength = bytes.readUInt32BE(PREFIX + 5);
  return bytes.subarray(PREFIX + FIXED, PREFIX + FIXED + headerLength).toString('utf8');
}

interface AnnotatedField extends FieldError {
  readonly rejected: string;
}

const taken = (email: string): AnnotatedField[] => [{ path: 'email', constraints: ['isUnique: email is already registered'], rejected: email }];

describe('attack4: a refusal header kept by its detail', () => {
  it("A4-4: should never send one caller's field data in another caller's refusal", () => {
    const alice = sentHeader(taken('alice@example.com'));
    const bob = sentHeader(taken('bob@example.com'));
    assert.ok(!bob.includes('alice@example.com'), `bob's refusal carries alice's address: ${bob}`);
    assert.ok(!alice.includes('bob@example.com'));
  });

  it('A4-4: should put only the declared parts of a field (path, constraints) on the wire', () => {
    const header = JSON.parse(sentHeader(taken('carol@example.com'))) as { fields: Record<string, unknown>[] };
    assert.deepEqual(header.fields, [{ path: 'email', constraints: ['isUnique: email is already registered'] }]);
  });
});
