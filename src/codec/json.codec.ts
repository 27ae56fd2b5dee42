import 'reflect-metadata';
import { isUtf8 } from 'node:buffer';
import { injectable } from 'inversify';
import { internal } from '../errors/factories.js';
import type { Codec, CodecLimits } from './codec.js';
import { checkBodySize, decodeFailed, tooDeep } from './codec-errors.js';
import { MAX_SANITIZE_DEPTH, toPlainData } from './sanitize.js';
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

  /**
   * What `serialize(sanitize(value))` writes, without the copy when it is not needed:
   * `JSON.stringify` already drops functions, symbols and undefined, nulls non-finite numbers
   * and honours `toJSON`, reading each value once. The text it wrote is then checked, so what
   * goes out is what was checked: text that could hold a prototype key (any mention of one),
   * nesting deeper than the copy allows, or a value stringify refuses (a cycle, a BigInt)
   * is written again from the sanitising copy, which drops the keys or says why it cannot.
   */
  encode(value: unknown): Uint8Array {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      return this.serialize(this.sanitize(value));
    }
    if (text === undefined) return EMPTY;
    if (mentionsForbiddenKey(text)) return this.serialize(this.sanitize(value));
    const bytes = Buffer.from(text, 'utf8');
    // Nesting deeper than the copy allows takes two bytes per level at least.
    if (bytes.length > 2 * MAX_SANITIZE_DEPTH && deepestNesting(bytes, MAX_SANITIZE_DEPTH) > MAX_SANITIZE_DEPTH) return this.serialize(this.sanitize(value));
    return bytes;
  }
}

/**
 * Any mention of a forbidden key (codec.ts FORBIDDEN_KEYS), in a key or not: what
 * `/__proto__|constructor|prototype/` matches, found with native substring searches, which
 * cost a third of that regular expression's scan (about 1 µs per KiB of text).
 */
export function mentionsForbiddenKey(text: string): boolean {
  if (text.includes('constructor')) return true;
  for (let at = text.indexOf('proto'); at !== -1; at = text.indexOf('proto', at + 1)) {
    if (text.startsWith('type', at + 5)) return true;
    if (at >= 2 && text.startsWith('__', at - 2) && text.startsWith('__', at + 5)) return true;
  }
  return false;
}

/** Refuses nesting deeper than `maxDepth`, and a closing bracket with nothing open. */
function scanDepth(bytes: Uint8Array, maxDepth: number): void {
  const deepest = deepestNesting(bytes, maxDepth);
  if (deepest > maxDepth) throw tooDeep(maxDepth);
  if (deepest < 0) throw decodeFailed('The request body is not valid JSON');
}

/**
 * One linear pass over the bytes, counting `{` and `[` outside strings: the deepest nesting
 * seen, stopping as soon as it passes `stopAbove`; -1 for a closing bracket with nothing open.
 * Every structural byte is ASCII and UTF-8 continuation bytes are >= 0x80, so bytes can be
 * scanned as is.
 */
function deepestNesting(bytes: Uint8Array, stopAbove: number): number {
  const strings = new StringSkipper(bytes);
  const end = bytes.length;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i] as number;
    if (byte < OPEN_BRACKET) {
      // Digits, punctuation and white space fall here in one comparison; of them only a quote matters.
      if (byte === QUOTE) i = strings.closingQuote(i + 1); // `end` when unterminated: the parser refuses it
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > deepest && (deepest = depth) > stopAbove) return deepest;
    } else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth < 0) {
      return -1;
    }
  }
  return deepest;
}

/** Bytes of a string read in JS before asking `indexOf`: short strings cost less than a native call. */
const INLINE_STRING_BYTES = 32;
/** The most a string full of escaped quotes makes the JS stretch grow to. */
const MAX_INLINE_STRING_BYTES = 1024;

/**
 * Finds where each string ends. After a short stretch read in JS, the rest of a long string
 * is searched for its next quote with `Buffer#indexOf` (native, far faster than a JS loop);
 * a quote found there is escaped when an odd run of backslashes precedes it. Bytes are
 * searched once and each backslash run counted once, so the scan stays linear; where
 * escaped quotes come close together the JS stretch grows, so native calls stay rare.
 */
class StringSkipper {
  private readonly buffer: Buffer;
  private inlineBytes = INLINE_STRING_BYTES;

  constructor(bytes: Uint8Array) {
    this.buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The index of the quote closing the string whose contents start at `from`, or the length for an unterminated string. */
  closingQuote(from: number): number {
    const buffer = this.buffer;
    const end = buffer.length;
    let at = from;
    for (;;) {
      const stop = Math.min(end, at + this.inlineBytes);
      while (at < stop) {
        const byte = buffer[at];
        if (byte === QUOTE) return at;
        at += byte === BACKSLASH ? 2 : 1; // the byte after a backslash never ends the string
      }
      if (at >= end) return end;
      const quote = buffer.indexOf(QUOTE, at);
      if (quote < 0) return end;
      if (!isEscaped(buffer, quote)) return quote;
      if (quote - at < this.inlineBytes) this.inlineBytes = Math.min(2 * this.inlineBytes, MAX_INLINE_STRING_BYTES);
      at = quote + 1;
    }
  }
}

/**
 * True when an odd run of backslashes precedes the quote at `index`. The byte before the
 * run is no backslash (at worst the string's opening quote), so the run starts outside any
 * escape and its backslashes pair up from its first one.
 */
function isEscaped(buffer: Buffer, index: number): boolean {
  let run = 0;
  while (buffer[index - 1 - run] === BACKSLASH) run++;
  return run % 2 === 1;
}
