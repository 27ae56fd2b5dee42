import 'reflect-metadata';
import { isUtf8 } from 'node:buffer';
import { injectable } from 'inversify';
import { internal } from '../errors/factories.js';
import { FORBIDDEN_KEYS, type Codec, type CodecLimits } from './codec.js';
import { decodeFailed, tooDeep, tooLarge } from './codec-errors.js';
import { checkDecodedValue } from './value-check.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
/** Guards `sanitize` against runaway handler output; far above any decodable depth. */
const MAX_SANITIZE_DEPTH = 1000;
const EMPTY = new Uint8Array(0);
// ignoreBOM keeps a BOM in the text, so a parse that skipped checkRaw still fails on it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSONCodec reads and writes `application/json` bodies, hardened against hostile peers:
 * size, UTF-8 and nesting depth are checked on the raw bytes before `JSON.parse`, then
 * one iterative walk refuses forbidden keys and enforces the per-value limits.
 * See docs/codecs.md.
 */
@injectable()
export class JSONCodec implements Codec {
  readonly name = 'json';
  readonly contentType = 'application/json';

  /** Refuses oversized bodies, a leading BOM, invalid UTF-8 and nesting deeper than `maxDepth`. */
  checkRaw(bytes: Uint8Array, limits: CodecLimits): void {
    if (bytes.byteLength > limits.maxBytes) throw tooLarge(`The request body is larger than ${limits.maxBytes} bytes`);
    // RFC 8259 forbids senders a BOM; refusing it keeps exactly one accepted form.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw decodeFailed('The request body starts with a byte order mark');
    if (!isUtf8(bytes)) throw decodeFailed('The request body is not valid UTF-8');
    scanDepth(bytes, limits.maxDepth);
  }

  /** Parses the bytes and refuses forbidden keys and values over the limits, at any depth. */
  parse(bytes: Uint8Array, limits: CodecLimits): unknown {
    let value: unknown;
    try {
      value = JSON.parse(UTF8.decode(bytes));
    } catch (error) {
      // The parser's message quotes the input; it goes to the log as the cause only.
      throw decodeFailed('The request body is not valid JSON', error);
    }
    checkDecodedValue(value, limits);
    return value;
  }

  /** Returns a JSON-safe copy: drops functions, symbols and undefined, dates become ISO strings. */
  sanitize(value: unknown): unknown {
    return toJSONSafe(value, new Set(), 0);
  }

  /** The UTF-8 bytes of the JSON text; `undefined` becomes an empty body. */
  serialize(value: unknown): Uint8Array {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw internal(error);
    }
    return text === undefined ? EMPTY : Buffer.from(text, 'utf8');
  }
}

/**
 * One linear pass over the bytes, counting `{` and `[` outside strings. Every structural
 * byte is ASCII and UTF-8 continuation bytes are >= 0x80, so bytes can be scanned as is.
 */
function scanDepth(bytes: Uint8Array, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) throw tooDeep(maxDepth);
    } else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth < 0) {
      throw decodeFailed('The request body is not valid JSON');
    }
  }
}

function toJSONSafe(value: unknown, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw internal(new TypeError('A BigInt cannot be encoded as JSON'));
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf();
  if (depth >= MAX_SANITIZE_DEPTH) throw internal(new RangeError(`A value nested deeper than ${MAX_SANITIZE_DEPTH} levels cannot be encoded`));
  const object = value as object;
  if (ancestors.has(object)) throw internal(new TypeError('A cyclic value cannot be encoded as JSON'));
  ancestors.add(object);
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const replaced: unknown = toJSON.call(object, '');
      if (replaced !== object) return toJSONSafe(replaced, ancestors, depth + 1);
    }
    if (Array.isArray(object)) return object.map((item) => toJSONSafe(item, ancestors, depth + 1) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      const safe = toJSONSafe((object as Record<string, unknown>)[key], ancestors, depth + 1);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}
