/**
 * The check every codec runs on the value it has just decoded, whatever the wire format:
 * forbidden keys at any depth, keys per object, array length, string length and nesting
 * depth. It is iterative, so even a value built without a raw depth check cannot
 * overflow the stack here (B06), and it reads every key list and property once, so a
 * value whose reads change (a custom parser's accessor or Proxy) gets one verdict.
 */
import { FORBIDDEN_KEYS, type CodecLimits } from './codec.js';
import { forbiddenKey, tooDeep, tooLarge } from './codec-errors.js';

/** Throws a `400`/`413` BastionError when a decoded value breaks a limit or holds a forbidden key. */
export function checkDecodedValue(root: unknown, limits: CodecLimits): void {
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && !ArrayBuffer.isView(root) && limits.maxDepth >= 1) {
    checkRootObject(root, limits);
    return;
  }
  walk([root], [0], limits);
}

/**
 * The root object as the walk handles it (the usual request and reply), without the walk's
 * stacks while its values hold no object: each key in turn, then its strings. At the first
 * value that is an object the walk takes over with every value read so far and the rest
 * read now, so nothing is read twice and the order of refusals is the walk's.
 */
function checkRootObject(root: object, limits: CodecLimits): void {
  const keys = Object.keys(root);
  if (keys.length > limits.maxKeys) throw tooManyKeys(limits);
  let longString = false;
  let values: unknown[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (FORBIDDEN_KEYS.has(key)) throw forbiddenKey(key);
    if (key.length > limits.maxStringLength) throw stringTooLong(limits);
    const value = (root as Record<string, unknown>)[key];
    if (values !== undefined) {
      values.push(value);
    } else if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) longString = true;
    } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      values = [value];
    }
  }
  if (values === undefined) {
    if (longString) throw stringTooLong(limits);
    return;
  }
  // The values before the first object are leaves (strings already measured, the rest needs no
  // check), so only a string too long among them matters; the walk visits values last to first.
  const levels = values.map(() => 1);
  walk(values, levels, limits);
  if (longString) throw stringTooLong(limits);
}

/** The iterative walk: each entry is a value and the nesting level of the container holding it (0 for the root). */
function walk(values: unknown[], levels: number[], limits: CodecLimits): void {
  while (values.length > 0) {
    const value = values.pop();
    const level = (levels.pop() as number) + 1;
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) throw stringTooLong(limits);
      continue;
    }
    // Binary values (a later codec's byte strings) are leaves bounded by the body size.
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) continue;
    if (level > limits.maxDepth) throw tooDeep(limits.maxDepth);
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) {
        throw tooLarge(`An array in the request body has more than ${limits.maxArrayLength} elements`);
      }
      for (const item of value) {
        values.push(item);
        levels.push(level);
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > limits.maxKeys) throw tooManyKeys(limits);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) throw forbiddenKey(key);
      if (key.length > limits.maxStringLength) throw stringTooLong(limits);
      values.push((value as Record<string, unknown>)[key]);
      levels.push(level);
    }
  }
}

function tooManyKeys(limits: CodecLimits) {
  return tooLarge(`An object in the request body has more than ${limits.maxKeys} keys`);
}

function stringTooLong(limits: CodecLimits) {
  return tooLarge(`A string in the request body is longer than ${limits.maxStringLength} characters`);
}
