// checkDecodedValue as it was before issue 8's part 7 (one iterative walk over every value),
// kept as the reference the property and attack tests hold the current check to.
import { FORBIDDEN_KEYS, type CodecLimits } from '../../src/codec/codec.js';
import { forbiddenKey, tooDeep, tooLarge } from '../../src/codec/codec-errors.js';

/** The check as it was before part 7: one iterative walk over every value. */
export function referenceCheck(root: unknown, limits: CodecLimits): void {
  const values: unknown[] = [root];
  const levels: number[] = [0];
  const stringTooLong = () => tooLarge(`A string in the request body is longer than ${limits.maxStringLength} characters`);
  while (values.length > 0) {
    const value = values.pop();
    const level = (levels.pop() as number) + 1;
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) throw stringTooLong();
      continue;
    }
    if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) continue;
    if (level > limits.maxDepth) throw tooDeep(limits.maxDepth);
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) throw tooLarge(`An array in the request body has more than ${limits.maxArrayLength} elements`);
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
      if (key.length > limits.maxStringLength) throw stringTooLong();
      values.push((value as Record<string, unknown>)[key]);
      levels.push(level);
    }
  }
}
