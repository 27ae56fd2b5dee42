import { newSpanId, newTraceId } from './trace-context.js';
import { SPAN_KIND, SPAN_STATUS, TRACE_FLAG_SAMPLED, type Span, type SpanAttributes, type SpanContext, type SpanOptions, type SpanStatus, type Tracer } from './tracing.js';

/** A span as the MemoryTracer recorded it. */
export interface RecordedSpan {
  readonly name: string;
  readonly kind: number;
  readonly context: SpanContext;
  /** The parent's span id; `undefined` for the root of a trace. */
  readonly parentSpanId: string | undefined;
  readonly attributes: Readonly<SpanAttributes>;
  readonly status: SpanStatus;
  readonly ended: boolean;
}

/** Most finished spans kept; past it the oldest half is dropped. */
export const MEMORY_TRACER_MAX_SPANS = 10_000;

class MemorySpan implements Span {
  readonly attributes: SpanAttributes = {};
  status: SpanStatus = { code: SPAN_STATUS.UNSET };
  ended = false;

  constructor(
    readonly name: string,
    readonly kind: number,
    readonly context: SpanContext,
    readonly parentSpanId: string | undefined,
    private readonly onEnd: (span: MemorySpan) => void,
  ) {}

  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: string | number | boolean): this {
    this.attributes[key] = value;
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
  }
}

/** MemoryTracer records finished spans in memory, for tests and local debugging. */
export class MemoryTracer implements Tracer {
  private readonly finished: RecordedSpan[] = [];

  startSpan(name: string, options: SpanOptions = {}, parent?: SpanContext): Span {
    const context = { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), traceFlags: parent?.traceFlags ?? TRACE_FLAG_SAMPLED };
    const span = new MemorySpan(name, options.kind ?? SPAN_KIND.INTERNAL, context, parent?.spanId, (done) => this.keep(done));
    for (const [key, value] of Object.entries(options.attributes ?? {})) span.setAttribute(key, value);
    return span;
  }

  /** Every finished span, oldest first. */
  spans(): readonly RecordedSpan[] {
    return [...this.finished];
  }

  private keep(span: MemorySpan): void {
    // Dropping the oldest half at once keeps recording O(1) on average (shift() is O(n) per span).
    if (this.finished.length >= MEMORY_TRACER_MAX_SPANS) this.finished.splice(0, MEMORY_TRACER_MAX_SPANS / 2);
    const { name, kind, context, parentSpanId, status, ended } = span;
    this.finished.push({ name, kind, context, parentSpanId, attributes: { ...span.attributes }, status, ended });
  }
}
