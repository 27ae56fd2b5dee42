/**
 * The only way bodies are decoded and encoded: every read runs the codec's raw checks
 * before its parser, every write sanitises before serialising. An empty body and an
 * `undefined` value map to each other, so "no argument" and "no result" need no codec.
 */
import { BastionError } from '../errors/bastion-error.js';
import type { BodyContext, Codec, CodecLimits } from './codec.js';
import { decodeFailed } from './codec-errors.js';

const EMPTY_BODY = new Uint8Array(0);

/** Decodes peer bytes: `checkRaw`, then `parse`; an empty body is `undefined`. Throws `400`/`413` BastionErrors. */
export function decodeBody(codec: Codec, bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): unknown {
  codec.checkRaw(bytes, limits, context);
  if (bytes.byteLength === 0) return undefined;
  try {
    return codec.parse(bytes, limits, context);
  } catch (error) {
    // Whatever a parser throws on peer bytes is the peer's fault (B06: never a 500).
    if (BastionError.is(error)) throw error;
    throw decodeFailed(undefined, error);
  }
}

/** Encodes a value: `sanitize`, then `serialize` (or the codec's `encode`, both in one); `undefined` becomes an empty body. */
export function encodeBody(codec: Codec, value: unknown, context?: BodyContext): Uint8Array {
  // undefined (no result, B10) never reaches a serialiser: schema codecs cannot encode it.
  if (value === undefined) return EMPTY_BODY;
  if (codec.encode !== undefined) return codec.encode(value, context);
  const safe = codec.sanitize(value, context);
  return safe === undefined ? EMPTY_BODY : codec.serialize(safe, context);
}
