import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryTracer, openTelemetryTracer, type OpenTelemetryApiLike, type SpanContext, type SpanOptions } from '../../src/index.js';

/** The slice of `@opentelemetry/api` the adapter calls, backed by a MemoryTracer; contexts are plain records. */
function fakeApi(): { api: OpenTelemetryApiLike; tracer: MemoryTracer; started: { name: string; options: SpanOptions | undefined; context: unknown }[] } {
  const tracer = new MemoryTracer();
  const started: { name: string; options: SpanOptions | undefined; context: unknown }[] = [];
  const ROOT = { kind: 'root-context' };
  const api: OpenTelemetryApiLike = {
    trace: {
      getTracer: () => ({
        startSpan(name, options, context) {
          started.push({ name, options, context });
          const parent = (context as { parent?: SpanContext }).parent;
          return tracer.startSpan(name, options, parent);
        },
      }),
      setSpanContext: (context, parent) => ({ ...(context as object), parent }),
    },
    context: { active: () => ROOT },
  };
  return { api, tracer, started };
}

describe(openTelemetryTracer.name, () => {
  describe('.startSpan', () => {
    describe('when given a remote parent', () => {
      it('should pass it to OpenTelemetry as the span context of the active context', () => {
        const { api, tracer, started } = fakeApi();
        const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true };
        const span = openTelemetryTracer(api).startSpan('ledger/Ledger.post', { kind: 1 }, parent);
        span.end();
        assert.deepEqual(started[0]?.context, { kind: 'root-context', parent });
        assert.equal(started[0]?.options?.kind, 1);
        assert.equal(tracer.spans()[0]?.parentSpanId, parent.spanId);
        assert.equal(span.spanContext().traceId, parent.traceId);
      });
    });

    describe('when given no parent', () => {
      it('should start the span in the active context', () => {
        const { api, started } = fakeApi();
        openTelemetryTracer(api).startSpan('x').end();
        assert.deepEqual(started[0]?.context, { kind: 'root-context' });
      });
    });
  });
});
