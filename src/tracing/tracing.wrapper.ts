import type { ClientWrapper } from '../client/client.js';
import { BastionError } from '../errors/bastion-error.js';
import type { WrapperFactory } from '../server/server.js';
import { activeSpanContext, withActiveSpan } from './active-span.js';
import { formatTraceparent, parseTraceparent } from './trace-context.js';
import { SPAN_KIND, SPAN_STATUS, TRACEPARENT, type Span, type Tracer } from './tracing.js';

/** Ends `span` with the call's outcome: OK, or ERROR with the error id (never its detail, which may hold input). */
async function traced<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    span.setAttribute('rpc.bastion.code', 200);
    span.setStatus({ code: SPAN_STATUS.OK });
    return result;
  } catch (thrown) {
    const error = BastionError.is(thrown) ? thrown : undefined;
    span.setAttribute('rpc.bastion.code', error?.code ?? 500);
    span.setStatus({ code: SPAN_STATUS.ERROR, message: error?.id ?? 'BST_ERR_SERVER_INTERNAL' });
    throw thrown;
  } finally {
    span.end();
  }
}

/**
 * Starts a server span per call, the child of the caller's span when the call metadata
 * holds a valid W3C `traceparent` (a malformed one starts a new trace), and makes it the
 * active span while the handler runs, so the handler's own calls continue the trace.
 */
export function tracingWrapper(tracer: Tracer): WrapperFactory {
  return (endpoint) => {
    const name = `${endpoint.service}/${endpoint.endpoint}`;
    const attributes = { 'rpc.system': 'bastion', 'rpc.service': endpoint.service, 'rpc.method': endpoint.endpoint };
    return (ctx, next) => {
      const parent = parseTraceparent(ctx.metadata[TRACEPARENT]);
      const span = tracer.startSpan(name, { kind: SPAN_KIND.SERVER, attributes }, parent);
      const { identity, authorized } = ctx.peer;
      if (authorized && identity !== undefined) span.setAttribute('bastion.peer', identity.name);
      return withActiveSpan(span.spanContext(), () => traced(span, next));
    };
  };
}

/**
 * Starts a client span per call and sends its context as `traceparent`. Its parent is a
 * valid `traceparent` the caller put in the call metadata, else the active span (the call
 * being served), else none: a new trace.
 */
export function tracingClientWrapper(tracer: Tracer): ClientWrapper {
  return (call, next) => {
    const parent = parseTraceparent(call.options.metadata?.[TRACEPARENT]) ?? activeSpanContext();
    const attributes = { 'rpc.system': 'bastion', 'rpc.service': call.service, 'rpc.method': call.endpoint };
    const span = tracer.startSpan(`${call.service}/${call.endpoint}`, { kind: SPAN_KIND.CLIENT, attributes }, parent);
    if (call.metadata !== undefined) call.metadata[TRACEPARENT] = formatTraceparent(span.spanContext());
    return traced(span, next);
  };
}
