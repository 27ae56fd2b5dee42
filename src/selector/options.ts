import { DEFAULT_SELECTOR_CACHE_TTL_MS, type SelectorOptions } from './selector.js';

/** Safe defaults for the caching selectors. */
export const DEFAULT_SELECTOR_OPTIONS: SelectorOptions = Object.freeze({ cacheTtlMs: DEFAULT_SELECTOR_CACHE_TTL_MS, watch: true });

/** Fills in defaults and refuses nonsense values. */
export function resolveSelectorOptions(partial: Partial<SelectorOptions> = {}): SelectorOptions {
  const options = { ...DEFAULT_SELECTOR_OPTIONS, ...partial };
  if (!Number.isSafeInteger(options.cacheTtlMs) || options.cacheTtlMs < 0) throw new RangeError('selector option cacheTtlMs must be a non-negative integer');
  if (typeof options.watch !== 'boolean') throw new RangeError('selector option watch must be a boolean');
  return Object.freeze(options);
}
