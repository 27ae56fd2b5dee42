/**
 * One linear, iterative pass over MessagePack bytes that checks everything the format
 * declares before msgpackr allocates anything: nesting depth, declared array and map
 * sizes, that every declared length fits in the body, that map keys are UTF-8 strings
 * and none is a forbidden key, that strings are valid UTF-8, that 64-bit integers fit a
 * JavaScript number, that no extension type appears unless allowed, and that the body
 * holds exactly one value. The decoder behind it is recursive; this pass is not.
 */
import { isUtf8 } from 'node:buffer';
import { FORBIDDEN_KEYS, type CodecLimits } from './codec.js';
import { decodeFailed, forbiddenKey, tooDeep, tooLarge } from './codec-errors.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
/** The forbidden keys as bytes (all ASCII), compared in place without decoding the key. */
const FORBIDDEN_BYTES: readonly (readonly [string, Uint8Array])[] = [...FORBIDDEN_KEYS].map((key) => [key, Buffer.from(key, 'latin1')]);

/** Throws a `400`/`413` BastionError unless `bytes` is one well-formed MessagePack value within `limits`. */
export function scanMessagePack(bytes: Uint8Array, limits: CodecLimits, allowedExtensions: ReadonlySet<number>): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength;
  // One frame per open container: items still to read, and whether it is a map (keys at odd counts).
  const remaining: number[] = [1];
  const isMap: boolean[] = [false];
  let pos = 0;

  const need = (count: number): void => {
    if (count > end - pos) throw decodeFailed('The MessagePack body is truncated');
  };
  const skip = (count: number): void => {
    need(count);
    pos += count;
  };
  const uint = (size: 1 | 2 | 4): number => {
    need(size);
    const value = size === 1 ? view.getUint8(pos) : size === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += size;
    return value;
  };
  const open = (map: boolean, count: number): void => {
    if (map ? count > limits.maxKeys : count > limits.maxArrayLength) {
      throw tooLarge(map ? `An object in the request body has more than ${limits.maxKeys} keys` : `An array in the request body has more than ${limits.maxArrayLength} elements`);
    }
    const items = map ? count * 2 : count;
    // Every item takes at least one byte, so a count the body cannot hold is refused here.
    if (items > end - pos) throw decodeFailed('The MessagePack body is truncated');
    if (remaining.length > limits.maxDepth) throw tooDeep(limits.maxDepth);
    remaining.push(items);
    isMap.push(map);
  };
  const string = (length: number, isKey: boolean): void => {
    need(length);
    const stop = pos + length;
    // Most strings are ASCII; only a string with a high byte pays for the full UTF-8 check.
    let ascii = true;
    for (let i = pos; i < stop; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii && !isUtf8(bytes.subarray(pos, stop))) throw decodeFailed('A string in the MessagePack body is not valid UTF-8');
    if (isKey && ascii) {
      const key = forbiddenAt(bytes, pos, length);
      if (key !== undefined) throw forbiddenKey(key);
    }
    pos = stop;
  };
  const extension = (length: number): void => {
    need(1 + length);
    if (!allowedExtensions.has(view.getInt8(pos))) throw decodeFailed('The MessagePack body holds an extension type that is not enabled');
    pos += 1 + length;
  };
  const int64 = (signed: boolean): void => {
    need(8);
    const value = signed ? view.getBigInt64(pos) : view.getBigUint64(pos);
    if (value > MAX_SAFE || value < MIN_SAFE) throw decodeFailed('An integer in the MessagePack body does not fit a JavaScript number');
    pos += 8;
  };

  while (remaining.length > 0) {
    const top = remaining.length - 1;
    if (remaining[top] === 0) {
      remaining.pop();
      isMap.pop();
      continue;
    }
    const left = (remaining[top] as number) - 1;
    remaining[top] = left;
    // Map items alternate key, value; after the decrement a key leaves an odd count.
    const isKey = (isMap[top] as boolean) && left % 2 === 1;
    need(1);
    const byte = bytes[pos++] as number;
    const isString = (byte >= 0xa0 && byte <= 0xbf) || (byte >= 0xd9 && byte <= 0xdb);
    if (isKey && !isString) throw decodeFailed('A map key in the MessagePack body is not a string');
    if (byte <= 0x7f || byte >= 0xe0) continue;
    if (byte <= 0x8f) open(true, byte & 0x0f);
    else if (byte <= 0x9f) open(false, byte & 0x0f);
    else if (byte <= 0xbf) string(byte & 0x1f, isKey);
    else {
      switch (byte) {
        case 0xc0: case 0xc2: case 0xc3: break;
        case 0xc4: skip(uint(1)); break;
        case 0xc5: skip(uint(2)); break;
        case 0xc6: skip(uint(4)); break;
        case 0xc7: extension(uint(1)); break;
        case 0xc8: extension(uint(2)); break;
        case 0xc9: extension(uint(4)); break;
        case 0xca: skip(4); break;
        case 0xcb: skip(8); break;
        case 0xcc: case 0xd0: skip(1); break;
        case 0xcd: case 0xd1: skip(2); break;
        case 0xce: case 0xd2: skip(4); break;
        case 0xcf: int64(false); break;
        case 0xd3: int64(true); break;
        case 0xd4: extension(1); break;
        case 0xd5: extension(2); break;
        case 0xd6: extension(4); break;
        case 0xd7: extension(8); break;
        case 0xd8: extension(16); break;
        case 0xd9: string(uint(1), isKey); break;
        case 0xda: string(uint(2), isKey); break;
        case 0xdb: string(uint(4), isKey); break;
        case 0xdc: open(false, uint(2)); break;
        case 0xdd: open(false, uint(4)); break;
        case 0xde: open(true, uint(2)); break;
        case 0xdf: open(true, uint(4)); break;
        default: throw decodeFailed('The MessagePack body holds a reserved byte');
      }
    }
  }
  if (pos !== end) throw decodeFailed('The MessagePack body holds more than one value');
}

/** The forbidden key the ASCII string at `bytes[start..start+length)` spells, if any. */
function forbiddenAt(bytes: Uint8Array, start: number, length: number): string | undefined {
  for (const [key, spelled] of FORBIDDEN_BYTES) {
    if (spelled.length !== length) continue;
    let same = true;
    for (let i = 0; i < length && same; i++) same = bytes[start + i] === spelled[i];
    if (same) return key;
  }
  return undefined;
}
