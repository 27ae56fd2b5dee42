/**
 * The safe way to write a custom codec: `defineCodec` takes the four hooks, all required
 * by the type and checked at runtime, and wraps them so the parts every codec must do
 * cannot be forgotten: the size limit runs before the author's raw check, and the shared
 * key filter and limits (`checkDecodedValue`) run on whatever the author's parser returns.
 */
import { BastionError } from '../errors/bastion-error.js';
import type { BodyContext, Codec, CodecLimits } from './codec.js';
import { checkBodySize } from './codec-errors.js';
import { checkDecodedValue } from './value-check.js';

/** Content types a codec may declare: lower case, and registrable (the registry's endpoint pattern). */
export const CODEC_CONTENT_TYPE = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/;

/** What a custom codec supplies; every hook is required. */
export interface CodecDefinition {
  /** A short name for logs and the audit table; defaults to the content type. */
  readonly name?: string;
  /** Lower-case media type, no parameters, at most 127 characters (`text/csv`). */
  readonly contentType: string;
  /** Inspects the raw bytes before any parsing (encoding, structure counts); throws a `400`/`413` BastionError. The size limit already ran. */
  readonly checkRaw: (bytes: Uint8Array, limits: CodecLimits, context?: BodyContext) => void;
  /** Parses checked bytes into plain data; the shared key filter and limits run on its result. */
  readonly parse: (bytes: Uint8Array, limits: CodecLimits, context?: BodyContext) => unknown;
  /** Makes an outgoing value safe to serialise: plain data only, no functions, cycles or prototype keys. */
  readonly sanitize: (value: unknown, context?: BodyContext) => unknown;
  /** Encodes a sanitised value. */
  readonly serialize: (value: unknown, context?: BodyContext) => Uint8Array;
}

const HOOKS = ['checkRaw', 'parse', 'sanitize', 'serialize'] as const;

/** Builds a Codec from its hooks; throws `BST_ERR_BOOT_INVALID_CONFIG` when one is missing or the content type is invalid. */
export function defineCodec(definition: CodecDefinition): Codec {
  assertCodecShape(definition, 'defineCodec');
  const { contentType, checkRaw, parse, sanitize, serialize } = definition;
  return Object.freeze({
    name: definition.name ?? contentType,
    contentType,
    checkRaw(bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): void {
      checkBodySize(bytes, limits.maxBytes);
      checkRaw(bytes, limits, context);
    },
    parse(bytes: Uint8Array, limits: CodecLimits, context?: BodyContext): unknown {
      const value = parse(bytes, limits, context);
      checkDecodedValue(value, limits);
      return value;
    },
    sanitize: (value: unknown, context?: BodyContext) => sanitize(value, context),
    serialize: (value: unknown, context?: BodyContext) => serialize(value, context),
  });
}

/** Throws `BST_ERR_BOOT_INVALID_CONFIG` unless `candidate` has a valid content type and all four hooks. */
export function assertCodecShape(candidate: unknown, where: string): asserts candidate is CodecDefinition {
  const value = candidate as Partial<Record<string, unknown>> | null | undefined;
  const contentType = value?.['contentType'];
  if (typeof contentType !== 'string' || contentType.length > 127 || !CODEC_CONTENT_TYPE.test(contentType)) {
    throw invalid(`${where}: '${String(contentType).slice(0, 80)}' is not a lower-case content type without parameters`);
  }
  const missing = HOOKS.filter((hook) => typeof value?.[hook] !== 'function');
  if (missing.length > 0) {
    throw invalid(`${where}: the codec for ${contentType} must supply ${missing.join(', ')} (the raw check and the sanitiser are not optional)`);
  }
}

function invalid(detail: string): BastionError {
  return new BastionError('BST_ERR_BOOT_INVALID_CONFIG', detail);
}
