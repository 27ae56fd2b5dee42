// Shared helpers for the codec and validation tests; not a test file itself.
import assert from 'node:assert/strict';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { ErrorId } from '../../src/errors/catalogue.js';

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

function check(error: unknown, id: ErrorId, code: number): BastionError {
  assert.ok(BastionError.is(error), `expected a BastionError, got ${String(error)}`);
  assert.equal(error.id, id);
  assert.equal(error.code, code);
  return error;
}

/** Runs `fn`, asserts it throws a BastionError with `id` and `code`, and returns the error. */
export function throwsBastion(fn: () => unknown, id: ErrorId, code: number): BastionError {
  try {
    fn();
  } catch (error) {
    return check(error, id, code);
  }
  assert.fail(`expected ${id} to be thrown`);
}

/** Awaits `promise`, asserts it rejects with a BastionError with `id` and `code`, and returns the error. */
export async function rejectsBastion(promise: Promise<unknown>, id: ErrorId, code: number): Promise<BastionError> {
  try {
    await promise;
  } catch (error) {
    return check(error, id, code);
  }
  assert.fail(`expected ${id} to be rejected`);
}

/** The paths named by a `400`'s field list. */
export function fieldPaths(error: BastionError): string[] {
  return (error.fields ?? []).map((field) => field.path);
}

/** Snapshot of Object.prototype's own keys, to prove nothing was added. */
export function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

/** What a check did: `ok`, or the refusal's id, code and detail (to compare a check with its reference). */
export function outcome(check: () => void): string {
  try {
    check();
    return 'ok';
  } catch (error) {
    assert.ok(BastionError.is(error), `expected a BastionError, got ${String(error)}`);
    return `${error.id} ${error.code} ${error.detail}`;
  }
}

const json = new JSONCodec();

/** The bytes (as text) an encoding wrote, or `throws <error id>`. */
function encoded(encode: () => Uint8Array): string {
  try {
    return Buffer.from(encode()).toString('utf8');
  } catch (error) {
    return `throws ${String((error as { id?: string }).id ?? (error as Error).message)}`;
  }
}

/** What `JSONCodec.encode` writes for `value` (text, or the error id it throws). */
export const viaEncode = (value: unknown): string => encoded(() => json.encode(value));

/** What the sanitising copy writes for `value`, the reference `encode` must match. */
export const viaCopy = (value: unknown): string => encoded(() => json.serialize(json.sanitize(value)));

/** An object with each entry as an own enumerable property, `__proto__` included, as `JSON.parse` makes them. */
export function ownKeysObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
  return object;
}
