/**
 * The errors a codec raises, named after the situation. Details state the broken rule and
 * its limit, never the peer's bytes, a parser position or a path built from peer keys.
 */
import { BastionError } from '../errors/bastion-error.js';

/** A `400`: the body is not well-formed for its content type. */
export function decodeFailed(detail?: string, cause?: unknown): BastionError {
  return new BastionError('BST_ERR_CODEC_DECODE', detail, {}, cause === undefined ? undefined : { cause });
}

/** A `413`: the body, or one string, array or object in it, is larger than a limit allows. */
export function tooLarge(detail: string): BastionError {
  return new BastionError('BST_ERR_CODEC_TOO_LARGE', detail);
}

/** Throws a `413` when the body is larger than `maxBytes`; every codec's raw check starts with it. */
export function checkBodySize(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.byteLength > maxBytes) throw tooLarge(`The request body is larger than ${maxBytes} bytes`);
}

/** A `400`: objects and arrays are nested deeper than `maxDepth` (B06). */
export function tooDeep(maxDepth: number): BastionError {
  return new BastionError('BST_ERR_CODEC_TOO_DEEP', `The request body is nested deeper than ${maxDepth} levels`);
}

/** A `400`: an object holds a key that could reach a prototype (B02, B07). */
export function forbiddenKey(key: string): BastionError {
  // Only FORBIDDEN_KEYS reach here, so naming the key echoes nothing the peer chose freely.
  return new BastionError('BST_ERR_CODEC_FORBIDDEN_KEY', `The request body holds the forbidden key '${key}'`);
}

/** A `415`: no codec is bound for the content type. */
export function unsupportedContentType(): BastionError {
  return new BastionError('BST_ERR_CODEC_UNSUPPORTED');
}
