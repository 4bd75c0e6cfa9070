/**
 * One structured log line per request (request id, method, route, path, status, duration, and
 * with VR_LOG_TIMINGS the per-phase timings), and each request's observation
 * (`request.observation`) into which the instrumented adapter, tools and store record those
 * timings (routes bind the engine to it: instrument/observed-engine.ts).
 */
import type { Logger } from '../../observability/index.js';
import { forFixedKeyLines, toRouteLabel } from '../../observability/index.js';
import { newObservation, type RequestObservation } from '../instrument/request-observation.js';
import { globalPlugin } from './global-plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's phase timings, tool entries and outcome; null without the request-log plugin. */
    observation: RequestObservation | null;
  }
}

export interface RequestLogPluginOptions {
  /** null: keep the observations (tool-type labels need them) but log nothing. */
  logger: Logger | null;
  timings: boolean;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

function roundedTimings(observation: RequestObservation): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [phase, ms] of Object.entries(observation.timings)) if (ms !== undefined) out[phase] = round(ms);
  return out;
}

export const requestLogPlugin = globalPlugin<RequestLogPluginOptions>('vllm-responses-request-log', (app, { logger: base, timings }) => {
  app.decorateRequest('observation', null);
  // The line is built here from fixed, non-secret keys (phase names included): pino's path
  // redaction and the key-name censor could not change it, only add cost; values are still scrubbed.
  const logger = base ? forFixedKeyLines(base) : null;

  app.addHook('onRequest', (request, reply, done) => {
    const observation = newObservation();
    request.observation = observation;
    if (logger) {
      const started = performance.now();
      reply.raw.once('close', () => {
        const status = reply.statusCode;
        const line: Record<string, unknown> = {
          req_id: request.id,
          method: request.method,
          route: toRouteLabel(request.routeOptions.url),
          path: request.url.split('?', 1)[0],
          status,
          duration_ms: round(performance.now() - started),
        };
        if (!reply.raw.writableFinished) line.client_disconnected = true;
        const outcome = observation.outcome;
        if (outcome) {
          line.response_id = outcome.responseId;
          line.response_status = outcome.status;
          if (outcome.errorCode) line.error_code = outcome.errorCode;
        }
        if (timings) line.timings = roundedTimings(observation);
        if (status >= 500) logger.error(line, 'request failed');
        else if (outcome?.status === 'failed') logger.warn(line, 'request completed: the streamed response failed');
        else logger.info(line, 'request completed');
      });
    }
    done();
  });
});
