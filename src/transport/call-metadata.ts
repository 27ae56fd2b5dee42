import type { CallMetadata } from './transport.js';

/** Most metadata entries one call or message may carry. */
export const MAX_METADATA_KEYS = 32;

/** Most UTF-8 bytes of all metadata keys and values together. */
export const MAX_METADATA_BYTES = 8 * 1024;

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why `value` is not acceptable call metadata, or `undefined` when it is: a plain object
 * of at most `MAX_METADATA_KEYS` string values, keys of letters, digits, `_`, `.`, `-`
 * (never a prototype key), at most `MAX_METADATA_BYTES` in all. The reason never echoes
 * the value.
 */
export function metadataProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'metadata must be an object';
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS) return `metadata holds more than ${MAX_METADATA_KEYS} keys`;
  let bytes = 0;
  for (const [key, item] of entries) {
    if (!KEY.test(key) || FORBIDDEN_KEYS.has(key)) return 'a metadata key is not allowed (letters, digits, _ . - up to 64)';
    if (typeof item !== 'string') return 'every metadata value must be a string';
    bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(item, 'utf8');
    if (bytes > MAX_METADATA_BYTES) return `metadata is larger than ${MAX_METADATA_BYTES} bytes`;
  }
  return undefined;
}

/** Whether `value` has an own enumerable key: empty metadata travels as one shared frozen `{}`. */
export function hasMetadataKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

/** A frozen copy of metadata that passed `metadataProblem` (so it holds no prototype key). */
export function freezeMetadata(value: Readonly<Record<string, string>>): CallMetadata {
  return Object.freeze({ ...value });
}
