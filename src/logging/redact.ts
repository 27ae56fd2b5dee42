import type { LogFields } from './logger.js';

/** Which field names a logger redacts, beyond the key material it always redacts. */
export interface RedactionOptions {
  /** Field (and call-metadata) names whose values are replaced by `[redacted]`, compared case-insensitively. */
  readonly redact?: readonly string[];
}

/** Field names that may hold key material or credentials; always redacted. */
export const ALWAYS_REDACTED: readonly string[] = Object.freeze([
  'authorization',
  'cookie',
  'key',
  'keypem',
  'privatekey',
  'passphrase',
  'password',
  'secret',
  'token',
  'pfx',
]);

/** Field names that hold call payloads; kept only in `debug` records. */
export const BODY_FIELDS: readonly string[] = Object.freeze(['body', 'request', 'response', 'payload']);

/** What a redacted value is written as. */
export const REDACTED = '[redacted]';

const MAX_DEPTH = 6;

/**
 * Returns a copy of `fields` with redacted names replaced (at any depth, so a `metadata`
 * object is covered), PEM blocks blanked wherever they appear, and top-level body fields and
 * byte arrays removed unless `keepBodies`. Never throws on cycles or odd values.
 */
export function scrubFields(fields: LogFields, options: RedactionOptions, keepBodies: boolean): LogFields {
  const redacted = new Set([...ALWAYS_REDACTED, ...(options.redact ?? []).map((k) => k.toLowerCase())]);
  const seen = new WeakSet<object>();
  const scrub = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return value.includes('-----BEGIN') ? REDACTED : value;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Uint8Array) return keepBodies ? `<${value.byteLength} bytes>` : undefined;
    if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
    const out: LogFields = {};
    for (const [name, inner] of Object.entries(value)) {
      const lower = name.toLowerCase();
      if (redacted.has(lower)) out[name] = REDACTED;
      else if (!keepBodies && depth === 0 && BODY_FIELDS.includes(lower)) continue;
      else out[name] = scrub(inner, depth + 1);
    }
    return out;
  };
  return scrub(fields, 0) as LogFields;
}
