import { randomFillSync } from 'node:crypto';
import type { SpanContext } from './tracing.js';

const TRACEPARENT_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after the flags; its first four fields keep their meaning.
const TRACEPARENT_NEXT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
/** Longest header considered; anything longer is ignored rather than scanned. */
const MAX_TRACEPARENT_LENGTH = 256;

/**
 * Parses a W3C `traceparent` header (version 00, or a later version's first four fields).
 * Anything malformed, an all-zero id or version `ff` gives `undefined`: the caller then
 * starts a new trace, as the spec asks, instead of failing the call.
 */
export function parseTraceparent(header: string | undefined): SpanContext | undefined {
  if (typeof header !== 'string' || header.length > MAX_TRACEPARENT_LENGTH) return undefined;
  const value = header.trim();
  let traceId: string, spanId: string, flags: string;
  const v00 = TRACEPARENT_00.exec(value);
  if (v00 !== null) [, traceId, spanId, flags] = v00 as unknown as [string, string, string, string];
  else {
    const later = TRACEPARENT_NEXT.exec(value);
    if (later === null || later[1] === '00' || later[1] === 'ff') return undefined;
    [, , traceId, spanId, flags] = later as unknown as [string, string, string, string, string];
  }
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true };
}

/** Writes `context` as a version 00 `traceparent` header. */
export function formatTraceparent(context: SpanContext): string {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

// Ids come from one pooled buffer refilled by the CSPRNG, not a randomBytes() call per id.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function randomHex(bytes: number): string {
  for (;;) {
    if (offset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      offset = 0;
    }
    const hex = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new random trace id: 32 hex digits, never all zero. */
export function newTraceId(): string {
  return randomHex(16);
}

/** A new random span id: 16 hex digits, never all zero. */
export function newSpanId(): string {
  return randomHex(8);
}
