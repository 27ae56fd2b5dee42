/**
 * Codec turns bytes into values and back for one content type. Reading is two steps so
 * no codec can skip the first: `checkRaw` inspects the bytes before any parsing (size,
 * nesting depth, encoding), then `parse` builds the value. Writing sanitises the value
 * before `serialize`. `decodeBody` / `encodeBody` in `codec/pipeline.ts` are the only
 * callers, and they always run both steps.
 */

/** Limits every codec enforces on what it reads. */
export interface CodecLimits {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays accepted (shared case B06). */
  readonly maxDepth: number;
  /** Most keys in one object. */
  readonly maxKeys: number;
  /** Longest array. */
  readonly maxArrayLength: number;
  /** Longest string, in characters. */
  readonly maxStringLength: number;
}

/**
 * Which body a codec reads or writes: the endpoint (`Class.method`) and whether it is the
 * request or the response. Schema-driven codecs (protobuf) pick their message type from
 * it; self-describing formats ignore it.
 */
export interface BodyContext {
  readonly endpoint: string;
  readonly body: 'request' | 'response';
}

/** Codec reads and writes bodies of one content type. */
export interface Codec {
  readonly name: string;
  readonly contentType: string;
  /** Throws a `400`/`413` BastionError when the raw bytes break a limit. Parses nothing. */
  checkRaw(bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): void;
  /** Parses checked bytes; throws a `400` BastionError on malformed input or a forbidden key. */
  parse(bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): unknown;
  /** Returns a value safe to serialise (no functions, cycles or prototype keys). */
  sanitize(value: unknown, context?: BodyContext): unknown;
  serialize(value: unknown, context?: BodyContext): Uint8Array;
  /**
   * Optional: sanitises and serialises in one step, writing what `serialize(sanitize(value))`
   * would, for a codec that can check the bytes it wrote instead of copying the value first.
   * What goes out must be what was checked: a value is read once (an accessor may change).
   */
  encode?(value: unknown, context?: BodyContext): Uint8Array;
  /** Boot check: throws when this codec cannot carry `endpoint` (a protobuf endpoint without message types). */
  supports?(endpoint: string): void;
}

/** The codecs an application knows, by content type (implemented by `CodecRegistry`). */
export interface CodecLookup {
  /** The codec for `contentType`; throws a `415` BastionError when there is none. */
  get(contentType: string): Codec;
  has(contentType: string): boolean;
}

/** Keys that must never reach an object built from peer data (B01, B02, B07). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

// Errors raised (errors/catalogue.ts): BST_ERR_CODEC_DECODE, BST_ERR_CODEC_FORBIDDEN_KEY,
// BST_ERR_CODEC_TOO_DEEP, BST_ERR_CODEC_TOO_LARGE, BST_ERR_CODEC_UNSUPPORTED.
