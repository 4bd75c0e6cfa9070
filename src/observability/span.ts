/**
 * Explicit spans for the places the engine knows matter (inbound request, upstream call, tool
 * execution, store operation). We do not rely on auto-instrumentation: it would trace every
 * socket and DNS lookup yet know nothing of response ids or tool types.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

export { SpanKind } from '@opentelemetry/api';
export type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';

export interface WithSpanOptions {
  /** SERVER for inbound requests, CLIENT for upstream/helper calls; default INTERNAL. */
  kind?: SpanKind;
  /** Parent context; default the active one. Inbound requests pass `extractContext(headers)`. */
  parent?: Context;
}

/** Marks a span failed: records the exception event and sets status ERROR. */
export function markSpanError(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : String(error);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `fn` inside a new active span, so spans started within it (and `injectTraceHeaders`)
 * see it as parent, across awaits. A throw marks the span failed and is re-thrown. On success
 * the status stays UNSET unless `fn` sets it (OpenTelemetry's convention: UNSET means "not an
 * error"); `fn` receives the span to add attributes or call `markSpanError` for errors that
 * are returned rather than thrown (e.g. an upstream 502 mapped to a response).
 */
export function withSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  options: WithSpanOptions = {},
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
