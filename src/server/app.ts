import Fastify, { type FastifyInstance } from 'fastify';
import type { EngineDeps } from '../engine/run-response.js';
import type { UpstreamClient } from '../upstream/http-client.js';
import { installErrorHandlers } from './errors.js';
import { registerFallbackProxy, type FallbackProxyOptions } from './routes/fallback-proxy.js';
import { registerHealthRoute } from './routes/health.js';
import { registerPassthroughRoutes } from './routes/passthrough.js';
import { registerResponsesRoutes } from './routes/responses.js';

export interface AppDeps {
  engine: EngineDeps;
  upstream: UpstreamClient;
  /** Largest accepted request body; conversations with inline images need room. */
  bodyLimitBytes?: number;
  logger?: boolean | object;
  /**
   * Integrated mode: forward every route the gateway does not own to this server (vLLM),
   * unchanged. It then also serves `/v1/models` and `/v1/chat/completions`, byte for byte.
   */
  fallbackProxy?: FallbackProxyOptions;
}

export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/** The gateway's HTTP surface. Pure composition: every dependency is passed in. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    logger: deps.logger ?? false,
    // Long generations: never cut a request because it is slow.
    requestTimeout: 0,
    // Ids and paths are matched exactly; `/v1/responses/` is not `/v1/responses`.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 8192 },
  });
  installErrorHandlers(app);
  registerHealthRoute(app);
  registerResponsesRoutes(app, deps.engine);
  if (deps.fallbackProxy) registerFallbackProxy(app, deps.fallbackProxy);
  else registerPassthroughRoutes(app, deps.upstream);
  return app;
}
