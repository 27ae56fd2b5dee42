import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from '../../src/tracing/trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C trace context', () => {
  describe(parseTraceparent.name, () => {
    describe('when the header is a valid version 00 traceparent', () => {
      it('should give the trace id, parent span id and flags, as a remote context', () => {
        assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
      });
    });

    describe('when a later version appends fields', () => {
      it('should read its first four fields', () => {
        assert.equal(parseTraceparent(`cc-${TRACE}-${SPAN}-00-extra`)?.traceId, TRACE);
      });
    });

    describe('when the header is malformed', () => {
      it('should give undefined, so a new trace starts', () => {
        const bad = [
          undefined,
          '',
          `00-${TRACE}-${SPAN}`,
          `00-${TRACE.toUpperCase()}-${SPAN}-01`,
          `00-${'0'.repeat(32)}-${SPAN}-01`,
          `00-${TRACE}-${'0'.repeat(16)}-01`,
          `ff-${TRACE}-${SPAN}-01`,
          `00-${TRACE}-${SPAN}-01-extra`,
          `00-${TRACE}-${SPAN}-1`,
          `00-${TRACE}-${SPAN}-01`.padEnd(300, 'x'),
        ];
        for (const header of bad) assert.equal(parseTraceparent(header), undefined, String(header));
      });
    });
  });

  describe(formatTraceparent.name, () => {
    describe('when given a span context', () => {
      it('should write a version 00 header that parses back to it', () => {
        const header = formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 });
        assert.equal(header, `00-${TRACE}-${SPAN}-01`);
        assert.equal(parseTraceparent(header)?.spanId, SPAN);
      });
    });
  });

  describe('new ids', () => {
    describe('when generated', () => {
      it('should be lowercase hex of the right length and differ each time', () => {
        const traces = new Set(Array.from({ length: 100 }, newTraceId));
        assert.equal(traces.size, 100);
        for (const id of traces) assert.match(id, /^[0-9a-f]{32}$/);
        assert.match(newSpanId(), /^[0-9a-f]{16}$/);
      });
    });
  });
});
