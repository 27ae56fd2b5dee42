/**
 * The sanitiser the built-in codecs share: it turns a handler's result into plain data
 * (objects, arrays, strings, finite numbers, booleans, null) before any serialiser sees
 * it, so no format can be handed a function, a cycle or a prototype key.
 */
import { internal } from '../errors/factories.js';
import { FORBIDDEN_KEYS } from './codec.js';

/** Guards sanitising against runaway handler output; far above any decodable depth. */
const MAX_SANITIZE_DEPTH = 1000;

/**
 * Returns a plain-data copy of `value`: functions, symbols and `undefined` are dropped
 * from objects and become `null` in arrays; dates become ISO strings; `NaN` and
 * infinities become `null`; `toJSON` is honoured; forbidden keys are never copied.
 * Byte arrays are kept when `keepBytes` (binary formats) and otherwise left to `toJSON`.
 * A cycle, a BigInt or a value nested over 1,000 levels throws `500`.
 */
export function toPlainData(value: unknown, keepBytes: boolean): unknown {
  return copy(value, keepBytes, new Set(), 0);
}

/** How deep `isPlainData` looks before leaving a value to the copy, which also finds cycles. */
const MAX_PLAIN_CHECK_DEPTH = 32;

/**
 * What `toPlainData` would make of `value`, for a caller that serialises it at once: the
 * value itself when it is plain data already (the usual handler result), else the copy.
 * Checking costs no allocation; copying cost a tenth of a small call's CPU on each side.
 */
export function asPlainData(value: unknown, keepBytes: boolean): unknown {
  return isPlainData(value, 0) ? value : copy(value, keepBytes, new Set(), 0);
}

/**
 * True when every serialiser would write `value` as the copy would be: strings, booleans,
 * finite numbers, null, arrays without holes and objects of the plain prototypes, no
 * forbidden key and no `toJSON`, at most `MAX_PLAIN_CHECK_DEPTH` deep (a cycle never is).
 */
function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= MAX_PLAIN_CHECK_DEPTH || 'toJSON' in value) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const items = value as unknown[];
    // A hole reads as undefined, which is not plain: the copy turns it into null.
    for (let i = 0; i < items.length; i++) if (!isPlainData(items[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  const object = value as Record<string, unknown>;
  // for-in also walks inherited enumerable keys (a polluted prototype): read, they only make the check stricter.
  for (const key in object) {
    if (FORBIDDEN_KEYS.has(key) || !isPlainData(object[key], depth + 1)) return false;
  }
  return true;
}

function copy(value: unknown, keepBytes: boolean, ancestors: Set<object>, depth: number): unknown {
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
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(object, '');
      if (replaced !== object) return copy(replaced, keepBytes, ancestors, depth + 1);
    }
    if (Array.isArray(object)) return object.map((item) => copy(item, keepBytes, ancestors, depth + 1) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      const safe = copy((object as Record<string, unknown>)[key], keepBytes, ancestors, depth + 1);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}
