import type { CodecLimits } from './codec.js';

/** Defaults for the codec limits; each is configurable at boot. */
export const DEFAULT_CODEC_LIMITS: CodecLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxKeys: 1000,
  maxArrayLength: 10_000,
  maxStringLength: 1024 * 1024,
});

/** Fills in defaults and refuses nonsense values. */
export function resolveCodecLimits(partial: Partial<CodecLimits> = {}): CodecLimits {
  const limits = { ...DEFAULT_CODEC_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`codec limit ${name} must be a positive integer`);
  }
  return limits;
}
