/**
 * A SERVER span per inbound request, continuing the client's `traceparent` if any, and made the
 * active context for the route handler so upstream, tool and store spans become its children.
 */
import { SpanKind, SpanStatusCode, context, trace, type Context, type Tracer } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { extractContext, toRouteLabel } from '../../observability/index.js';
import { globalPlugin } from './global-plugin.js';

export interface TracingPluginOptions {
  tracer: Tracer;
}

export const tracingPlugin = globalPlugin<TracingPluginOptions>('vllm-responses-tracing', (app, { tracer }) => {
  const contexts = new WeakMap<FastifyRequest, Context>();

  app.addHook('onRequest', (request, reply, done) => {
    const route = toRouteLabel(request.routeOptions.url);
    const parent = extractContext(request.headers);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?', 1)[0] ?? '',
          'vr.request_id': request.id,
        },
      },
      parent,
    );
    contexts.set(request, trace.setSpan(parent, span));
    reply.raw.once('close', () => {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (!reply.raw.writableFinished) span.setAttribute('vr.client_disconnected', true);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${reply.statusCode}` });
      span.end();
    });
    done();
  });

  // After body parsing (which runs in the socket's context), so the handler runs in ours: fastify
  // calls the handler synchronously from the last preHandler's `done`.
  app.addHook('preHandler', (request, _reply, done) => {
    const ctx = contexts.get(request);
    if (ctx) context.with(ctx, done);
    else done();
  });
});
