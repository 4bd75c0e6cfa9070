/**
 * W3C trace context across process boundaries, through the global propagator that
 * `startTracing` installs (tracecontext + baggage). With tracing disabled no propagator is
 * installed and both functions are no-ops.
 */
import { ROOT_CONTEXT, context, propagation, type Context, type TextMapGetter } from '@opentelemetry/api';

/** Node/fastify request headers: lower-case keys, possibly repeated values. */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

const headerGetter: TextMapGetter<IncomingHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const direct = carrier[key];
    if (direct !== undefined) return direct;
    // Plain objects built by hand may not be lower-cased like Node's.
    const wanted = key.toLowerCase();
    const found = Object.keys(carrier).find((name) => name.toLowerCase() === wanted);
    return found === undefined ? undefined : carrier[found];
  },
};

/**
 * The context an inbound request continues (its `traceparent`), to pass as `parent` to the
 * request's SERVER span. Starts from the root context: whatever is active in the server's own
 * plumbing must not become the parent of a client's request.
 */
export function extractContext(headers: IncomingHeaders, base: Context = ROOT_CONTEXT): Context {
  return propagation.extract(base, headers, headerGetter);
}

/**
 * Adds `traceparent` (and `tracestate`/`baggage` when present) for the active span to outgoing
 * request headers; mutates and returns `headers`. Call it inside the upstream call's CLIENT span
 * so the upstream's spans become its children.
 */
export function injectTraceHeaders<H extends Record<string, string>>(headers: H, ctx: Context = context.active()): H {
  propagation.inject(ctx, headers);
  return headers;
}
