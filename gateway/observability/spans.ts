// The spans Passerelle starts itself, through the OpenTelemetry API alone: with tracing off (gateway/observability/
// tracing.ts), the API's no-op tracer answers and nothing is recorded.
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Span, type SpanKind, type Tracer } from '@opentelemetry/api';

/** Asked for at each span: a tracer kept from before tracing restarted (a second gateway in tests) would drop its spans. */
export function tracer(): Tracer {
  return trace.getTracer('passerelle');
}

/** Marks a span failed by what was thrown. */
export function recordFailure(span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
}

/**
 * The W3C `traceparent` of the active span, to carry the trace where async context does not go (a job's record,
 * read by a worker in another process); nothing when no span is active or tracing is off.
 */
export function activeTraceparent(): { traceparent?: string } {
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { traceparent: carrier.traceparent } : {};
}

/**
 * Runs `work` in a new active span, child of the span a `traceparent` names (a trace of its own without one,
 * whatever span is active: a job run in-process is no part of whichever request happens to be running). Ends
 * the span when `work` settles, marked failed if it throws.
 */
export async function inSpanOf<T>(
  traceparent: string | undefined,
  name: string,
  options: { kind: SpanKind; attributes: Attributes },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const span = tracer().startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}
