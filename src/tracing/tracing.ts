/**
 * Tracing follows one request across services: each call gets a span on the client and
 * one on the server, linked by W3C trace context carried in the call metadata
 * (`traceparent`). The Tracer and Span shapes are the subset of `@opentelemetry/api` that
 * Bastion uses, so an OpenTelemetry tracer plugs in through `openTelemetryTracer()` and
 * the SDK stays the app's choice; `MemoryTracer` keeps spans in memory for tests.
 */

/** The identity of a span as it crosses a process boundary (OpenTelemetry's `SpanContext`). */
export interface SpanContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  /** Bit 0 is `sampled`. */
  readonly traceFlags: number;
  /** True when the context came from another process. */
  readonly isRemote?: boolean;
}

/** Attribute values a span carries. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** What a span is started with; `kind` uses OpenTelemetry's numbers (see {@link SPAN_KIND}). */
export interface SpanOptions {
  readonly kind?: number;
  readonly attributes?: SpanAttributes;
}

/** A span's status; `code` uses OpenTelemetry's numbers (see {@link SPAN_STATUS}). */
export interface SpanStatus {
  readonly code: number;
  readonly message?: string;
}

/** One timed operation. An OpenTelemetry `Span` has this shape. */
export interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: SpanStatus): unknown;
  end(): void;
}

/** Tracer starts spans, as children of `parent` when given. */
export interface Tracer {
  startSpan(name: string, options?: SpanOptions, parent?: SpanContext): Span;
}

/** OpenTelemetry's `SpanKind` values that Bastion uses. */
export const SPAN_KIND = Object.freeze({ INTERNAL: 0, SERVER: 1, CLIENT: 2 } as const);

/** OpenTelemetry's `SpanStatusCode` values. */
export const SPAN_STATUS = Object.freeze({ UNSET: 0, OK: 1, ERROR: 2 } as const);

/** The metadata key W3C trace context travels in. */
export const TRACEPARENT = 'traceparent';

/** The `sampled` trace flag. */
export const TRACE_FLAG_SAMPLED = 0x01;

/** Options of the tracing wrappers. */
export interface TracingOptions {
  readonly tracer: Tracer;
}
