import 'reflect-metadata';
import { isUtf8 } from 'node:buffer';
import { injectable } from 'inversify';
import { internal } from '../errors/factories.js';
import type { Codec, CodecLimits } from './codec.js';
import { checkBodySize, decodeFailed, tooDeep } from './codec-errors.js';
import { toPlainData } from './sanitize.js';
import { checkDecodedValue } from './value-check.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const EMPTY = new Uint8Array(0);
// ignoreBOM keeps a BOM in the text, so a parse that skipped checkRaw still fails on it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSONCodec reads and writes `application/json` bodies, hardened against hostile peers:
 * size, UTF-8 and nesting depth are checked on the raw bytes before `JSON.parse`, then
 * one iterative walk refuses forbidden keys and enforces the per-value limits.
 * See docs/security/codecs.md.
 */
@injectable()
export class JSONCodec implements Codec {
  readonly name = 'json';
  readonly contentType = 'application/json';

  /** Refuses oversized bodies, a leading BOM, invalid UTF-8 and nesting deeper than `maxDepth`. */
  checkRaw(bytes: Uint8Array, limits: CodecLimits): void {
    checkBodySize(bytes, limits.maxBytes);
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
    return toPlainData(value, false);
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
