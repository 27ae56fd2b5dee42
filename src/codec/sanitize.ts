/**
 * The sanitiser the built-in codecs share: it turns a handler's result into plain data
 * (objects, arrays, strings, finite numbers, booleans, null) before any serialiser sees
 * it, so no format can be handed a function, a cycle or a prototype key.
 */
import { internal } from '../errors/factories.js';
import { FORBIDDEN_KEYS } from './codec.js';

/** Guards sanitising against runaway handler output; far above any decodable depth. */
export const MAX_SANITIZE_DEPTH = 1000;

/**
 * Returns a plain-data copy of `value`: functions, symbols and `undefined` are dropped
 * from objects and become `null` in arrays; dates become ISO strings; `NaN` and
 * infinities become `null`; `toJSON` is honoured; forbidden keys are never copied.
 * Byte arrays are kept when `keepBytes` (binary formats) and otherwise left to `toJSON`.
 * A cycle, a BigInt or a value nested over 1,000 levels throws `500`.
 */
export function toPlainData(value: unknown, keepBytes: boolean): unknown {
  return copy(value, keepBytes, new Set(), 0, '');
}

/**
 * As JSON.stringify reads a property (SerializeJSONProperty): an object's or a BigInt's `toJSON`
 * replaces it, called once with the key it is read under ('' at the top, the index in an array).
 * The JSON codec writes stringify's own text when it needs no copy, so the two must agree on
 * this, or a reply's bytes would depend on an unrelated string sending it down the copy (attack7 A7-J).
 */
function copy(value: unknown, keepBytes: boolean, ancestors: Set<object>, depth: number, key: string): unknown {
  if (((typeof value === 'object' && value !== null) || typeof value === 'bigint') && !(keepBytes && value instanceof Uint8Array)) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const object = value as object;
      // A toJSON that reaches back to the value it replaces is a cycle, as before.
      if (ancestors.has(object)) throw internal(new TypeError('A cyclic value cannot be encoded'));
      ancestors.add(object);
      let replaced: unknown;
      try {
        replaced = toJSON.call(value, key);
      } finally {
        ancestors.delete(object);
      }
      if (replaced !== value) return copyOwn(replaced, keepBytes, ancestors, depth);
    }
  }
  return copyOwn(value, keepBytes, ancestors, depth);
}

/** Copies `value` itself, its `toJSON` already applied (or not there). */
function copyOwn(value: unknown, keepBytes: boolean, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw internal(new TypeError('A BigInt cannot be encoded'));
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf();
  if (keepBytes && value instanceof Uint8Array) return Uint8Array.from(value);
  if (depth >= MAX_SANITIZE_DEPTH) throw internal(new RangeError(`A value nested deeper than ${MAX_SANITIZE_DEPTH} levels cannot be encoded`));
  const object = value as object;
  if (ancestors.has(object)) throw internal(new TypeError('A cyclic value cannot be encoded'));
  ancestors.add(object);
  try {
    if (Array.isArray(object)) return object.map((item, index) => copy(item, keepBytes, ancestors, depth + 1, String(index)) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      const safe = copy((object as Record<string, unknown>)[key], keepBytes, ancestors, depth + 1, key);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}
