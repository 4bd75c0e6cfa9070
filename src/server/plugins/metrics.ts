/**
 * HTTP metrics of docs/observability.md and the scrape endpoint. Requests are counted when their
 * response closes (finished or abandoned), so a stream's duration runs to its last byte; route
 * labels are fastify's templates (`/v1/responses/{response_id}`), never raw paths.
 */
import type { FastifyReply } from 'fastify';
import { renderMetrics, toRouteLabel, type Metrics } from '../../observability/index.js';
import { globalPlugin } from './global-plugin.js';

export interface MetricsPluginOptions {
  metrics: Metrics;
  /** `VR_METRICS_PATH`. */
  path: string;
}

function isEventStream(reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

export const metricsPlugin = globalPlugin<MetricsPluginOptions>('vllm-responses-metrics', (app, { metrics, path }) => {
  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    metrics.httpInFlight.inc();
    reply.raw.once('close', () => {
      metrics.httpInFlight.dec();
      const route = toRouteLabel(request.routeOptions.url);
      metrics.recordHttpRequest(request.method, route, reply.statusCode, (performance.now() - started) / 1000);
    });
    done();
  });

  // The body is about to be sent: if it is an SSE stream, it is open from now until close.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (isEventStream(reply)) {
      const started = performance.now();
      const route = toRouteLabel(request.routeOptions.url);
      metrics.sseInFlight.inc();
      reply.raw.once('close', () => {
        metrics.sseInFlight.dec();
        metrics.recordSseStream(route, (performance.now() - started) / 1000);
      });
    }
    done(null, payload);
  });

  app.get(path, async (_request, reply) => {
    // In a cluster worker this asks the primary for the sum over all workers.
    const rendered = await renderMetrics(metrics);
    return reply.type(rendered.contentType).send(rendered.body);
  });
});
