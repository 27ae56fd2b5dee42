import type { Span, SpanContext, SpanOptions, Tracer } from './tracing.js';

/** The part of an OpenTelemetry `Tracer` Bastion calls; `context` is an OpenTelemetry `Context`. */
export interface OpenTelemetryTracerLike {
  startSpan(name: string, options?: SpanOptions, context?: unknown): Span;
}

/** The part of the `@opentelemetry/api` module Bastion calls (`import * as api from '@opentelemetry/api'`). */
export interface OpenTelemetryApiLike {
  readonly trace: {
    getTracer(name: string, version?: string): OpenTelemetryTracerLike;
    setSpanContext(context: unknown, spanContext: SpanContext): unknown;
  };
  readonly context: { active(): unknown };
}

/**
 * Adapts `@opentelemetry/api` to Bastion's Tracer: spans go to whatever SDK the app
 * registered, and a remote parent becomes the OpenTelemetry context of the new span.
 * Bastion does not depend on the package; the app passes the module it already has.
 *
 * @example
 * ```ts
 * import * as api from '@opentelemetry/api';
 * Bastion.create({ tls, observability: { tracing: { tracer: openTelemetryTracer(api) } } });
 * ```
 */
export function openTelemetryTracer(api: OpenTelemetryApiLike, name = 'bastion'): Tracer {
  const tracer = api.trace.getTracer(name);
  return {
    startSpan(spanName, options, parent) {
      const active = api.context.active();
      return tracer.startSpan(spanName, options, parent === undefined ? active : api.trace.setSpanContext(active, parent));
    },
  };
}
