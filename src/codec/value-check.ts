/**
 * The check every codec runs on the value it has just decoded, whatever the wire format:
 * forbidden keys at any depth, keys per object, array length, string length and nesting
 * depth. It is iterative, so even a value built without a raw depth check cannot
 * overflow the stack here (B06).
 */
import { FORBIDDEN_KEYS, type CodecLimits } from './codec.js';
import { forbiddenKey, tooDeep, tooLarge } from './codec-errors.js';

/** Throws a `400`/`413` BastionError when a decoded value breaks a limit or holds a forbidden key. */
export function checkDecodedValue(root: unknown, limits: CodecLimits): void {
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && !ArrayBuffer.isView(root) && limits.maxDepth >= 1 && checkedFlat(root, limits)) return;
  // Each entry is a value and the nesting level of the container holding it (0 for the root).
  const values: unknown[] = [root];
  const levels: number[] = [0];
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
    if (keys.length > limits.maxKeys) throw tooLarge(`An object in the request body has more than ${limits.maxKeys} keys`);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) throw forbiddenKey(key);
      if (key.length > limits.maxStringLength) throw stringTooLong(limits);
      values.push((value as Record<string, unknown>)[key]);
      levels.push(level);
    }
  }
}

/**
 * The walk below for an object holding no object (the usual request), without its two
 * stacks: true when `root` passed, false to leave it to the walk. It refuses what the walk
 * would refuse first, in the walk's order: each key in turn, then any string too long.
 */
function checkedFlat(root: object, limits: CodecLimits): boolean {
  const keys = Object.keys(root);
  if (keys.length > limits.maxKeys) return false;
  let longString = false;
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) throw forbiddenKey(key);
    if (key.length > limits.maxStringLength) throw stringTooLong(limits);
    const value = (root as Record<string, unknown>)[key];
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) longString = true;
    } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      return false;
    }
  }
  if (longString) throw stringTooLong(limits);
  return true;
}

function stringTooLong(limits: CodecLimits) {
  return tooLarge(`A string in the request body is longer than ${limits.maxStringLength} characters`);
}
