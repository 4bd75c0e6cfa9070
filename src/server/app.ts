import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { CONTEXT_DEFAULTS, type ContextSettings } from '../config/context-settings.js';
import { randomHex } from '../api/ids.js';
import type { EngineDeps } from '../engine/run-response.js';
import type { EngineFor } from './instrument/observed-engine.js';
import type { UpstreamClient } from '../upstream/http-client.js';
import { installBodyParsers } from './body-parsers.js';
import { lazyRequestLogger } from './lazy-request-logger.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './errors.js';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.js';
import { inflightBodyPlugin } from './plugins/inflight-body.js';
import type { GatewayObservability } from './observability.js';
import { authPlugin } from './plugins/auth.js';
import { metricsPlugin } from './plugins/metrics.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { tracingPlugin } from './plugins/tracing.js';
import { workerHeaderPlugin } from './plugins/worker-header.js';
import { registerFallbackProxy, type FallbackProxyOptions } from './routes/fallback-proxy.js';
import { registerContextRoutes } from './routes/context.js';
import { registerConversationRoutes } from './routes/conversations.js';
import { registerHealthRoute } from './routes/health.js';
import { registerMcpRoutes } from './routes/mcp.js';
import type { McpRuntimeClient } from '../tools/mcp/runtime-client.js';
import { registerPassthroughRoutes } from './routes/passthrough.js';
import { registerResponsesRoutes } from './routes/responses.js';
import { readRunSettings, type RunSettings } from '../config/run-settings.js';
import { RunRegistry } from '../runs/registry.js';
import { responsesWebSocketPlugin } from './routes/responses-ws.js';

export interface AppDeps {
  /** The engine bound to no request. */
  engine: EngineDeps;
  /** The engine as one request sees it (its timings go to that request's log line); omitted = `engine`. */
  engineFor?: EngineFor;
  upstream: UpstreamClient;
  /** Largest accepted request body; conversations with inline images need room. */
  bodyLimitBytes?: number;
  logger?: boolean | object;
  /**
   * Integrated mode: forward every route the gateway does not own to this server (vLLM),
   * unchanged. It then also serves `/v1/models` and `/v1/chat/completions`, byte for byte.
   */
  fallbackProxy?: FallbackProxyOptions;
  /** Logger, metrics and tracer; omitted = no request logs, no metrics route. */
  observability?: GatewayObservability;
  /** `VR_API_KEYS`; empty = no client authentication. */
  apiKeys?: readonly string[];
  /** Background runs and WebSocket mode; default read from the process environment. */
  runSettings?: RunSettings;
  /** Conversation / compaction / token-counting limits; omitted = defaults. */
  context?: ContextSettings;
  /** The built-in MCP runtime, for the discovery routes; null/omitted = built-in MCP off. */
  mcpRuntime?: McpRuntimeClient | null;
  /** Idle seconds before an SSE keep-alive comment on a response stream; 0 = off. */
  sseKeepAliveSeconds?: number;
  /** Resource limits (config/limits.ts); omitted = the defaults. */
  limits?: Limits;
}

export const DEFAULT_BODY_LIMIT_BYTES = DEFAULT_LIMITS.maxBodyBytes;

/** A client's `x-request-id` is kept when it is a sane token; otherwise we mint one. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Minted ids: 128 random bits as 32 hex digits, from the id pool (randomUUID + stripping its dashes cost more). */
function requestId(header: string | string[] | undefined): string {
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : `req_${randomHex(16)}`;
}

/**
 * Cross-cutting plugins, in hook order: the worker header, metrics, the request log and the
 * request span see every request (rejected ones included), then auth decides whether the
 * handler runs at all.
 */
function registerOperationsPlugins(app: FastifyInstance, deps: AppDeps): void {
  const obs = deps.observability;
  void app.register(workerHeaderPlugin, {});
  if (obs?.metrics) void app.register(metricsPlugin, { metrics: obs.metrics, path: obs.metricsPath });
  if (obs) void app.register(requestLogPlugin, { logger: obs.logger, timings: obs.log.timings });
  if (obs?.tracingEnabled) void app.register(tracingPlugin, { tracer: obs.tracer });
  void app.register(authPlugin, { keys: deps.apiKeys ?? [], openPaths: ['/health', ...(obs?.metrics ? [obs.metricsPath] : [])] });
}

/** The gateway's HTTP surface. Pure composition: every dependency is passed in. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const app = Fastify({
    bodyLimit: deps.bodyLimitBytes ?? limits.maxBodyBytes,
    ...(deps.observability?.logger
      ? { loggerInstance: deps.observability.logger as FastifyBaseLogger, childLoggerFactory: lazyRequestLogger }
      : { logger: deps.logger ?? false }),
    // One line per request comes from the request-log plugin, with the fields operators need.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => requestId(req.headers['x-request-id']),
    // Slow clients: the request (headers, then body) must arrive in time. Only receiving the
    // request is timed; a long generation streaming back is not cut by these.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      // Node checks these deadlines on an interval (30 s by default): check often enough that
      // a deadline is kept within about a quarter of its length.
      connectionsCheckingInterval: Math.max(50, Math.min(5000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
    },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // A trailing slash is ignored (`/v1/responses/` is `/v1/responses`: some clients join a base
    // URL and a path that way); ids up to 8 KiB fit a path parameter.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 8192 },
  });
  installErrorHandlers(app);
  installBodyParsers(app);
  void app.register(inflightBodyPlugin, { maxInflightBodyBytes: limits.maxInflightBodyBytes });
  registerOperationsPlugins(app, deps);
  registerHealthRoute(app);
  const runSettings = deps.runSettings ?? readRunSettings(process.env);
  const runs = deps.engine.store ? new RunRegistry(deps.engine.store, runSettings, app.log) : null;
  if (runs) {
    // Orphans are settled and notifications heard from the start; live runs get a bounded
    // grace period at shutdown, then fail (their clients can still read them).
    app.addHook('onReady', () => runs.start());
    app.addHook('onClose', () => runs.close());
  }
  const engineFor = deps.engineFor;
  const engineOf = engineFor ? (request: FastifyRequest) => engineFor(request.observation ?? null) : () => deps.engine;
  registerResponsesRoutes(app, { engine: engineOf, runs, logger: app.log, keepAliveMs: (deps.sseKeepAliveSeconds ?? 0) * 1000 });
  void app.register(responsesWebSocketPlugin, { engine: deps.engine, settings: runSettings, logger: app.log });
  const { newId, clock } = deps.engine;
  registerContextRoutes(app, engineOf, deps.upstream);
  registerConversationRoutes(app, { store: (request) => engineOf(request).store, newId, clock, maxItemsPerCall: (deps.context ?? CONTEXT_DEFAULTS).conversationMaxItemsPerCall });
  registerMcpRoutes(app, deps.mcpRuntime ?? null);
  if (deps.fallbackProxy) registerFallbackProxy(app, deps.fallbackProxy);
  else registerPassthroughRoutes(app, deps.upstream);
  return app;
}
