import type { FastifyInstance } from 'fastify';
import { newId } from '../api/ids.js';
import { generateSealingKey, SealedBlobs } from '../crypto/sealed-blob.js';
import { loadSealingKey, sealingKeyFromEnv } from '../crypto/sealing-key.js';
import { readContextSettings } from '../config/context-settings.js';
import { createTokenCounter } from '../upstream/token-counter.js';
import { DEFAULT_SSE_KEEPALIVE_SECONDS, type EnvSettings } from '../config/env.js';
import type { ServeOptions } from '../config/serve-options.js';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.js';
import type { ContextEvents } from '../engine/run-response.js';
import type { Metrics } from '../observability/index.js';
import type { ResponseStore } from '../store/types.js';
import { readMcpRequestSettings } from '../tools/mcp/settings.js';
import { createMcpRuntimeClient } from '../tools/mcp/runtime-client.js';
import { allGatewayToolPlugins } from '../tools/catalog.js';
import type { ToolHelpers } from '../tools/plugin.js';
import type { GatewayTool } from '../tools/types.js';
import { createChatCompletionsAdapter } from '../upstream/chat-completions/adapter.js';
import { createResponsesAdapter } from '../upstream/responses/adapter.js';
import { createUpstreamClient, type UpstreamClient } from '../upstream/http-client.js';
import type { UpstreamAdapter } from '../upstream/types.js';
import { buildApp } from './app.js';
import type { RunSettings } from '../config/run-settings.js';
import { observedEngine } from './instrument/observed-engine.js';
import { defaultObservability, type GatewayObservability } from './observability.js';
import type { FallbackProxyOptions } from './routes/fallback-proxy.js';

export interface GatewayDeps {
  /** Background runs and WebSocket mode; default read from the process environment. */
  runSettings?: RunSettings;
  serve: ServeOptions;
  env: EnvSettings;
  store: ResponseStore | null;
  /** Base URL of the code interpreter helper; null when the tool is disabled. */
  codeInterpreterUrl?: string | null;
  /** The helper's per-start token, sent on every call (helpers/helper-token.ts). */
  codeInterpreterToken?: string | undefined;
  /** Base URL of the built-in MCP runtime; null when `--mcp-config` is not set. */
  mcpRuntimeUrl?: string | null;
  /** The MCP runtime's per-start token. */
  mcpRuntimeToken?: string | undefined;
  /** Where gateway tools read their `VR_*` settings (e.g. MCP's); default the process environment. */
  toolEnv?: NodeJS.ProcessEnv;
  /** Extra gateway tools (tests). */
  tools?: GatewayTool[];
  logger?: boolean | object;
  /** Integrated mode (`vllm serve --responses`): routes the gateway does not own go to vLLM. */
  fallbackProxy?: FallbackProxyOptions;
  /** Logger, metrics and tracer of this process; defaults to quiet, process-local ones. */
  observability?: GatewayObservability;
  /**
   * Seals compaction and encrypted-reasoning blobs. `startGateway` loads it once from
   * `VR_COMPACTION_KEY` or the store; `createGateway` without it uses the env key or a
   * per-process one (tests).
   */
  sealedBlobs?: SealedBlobs;
}

export interface RunningGateway {
  app: FastifyInstance;
  upstream: UpstreamClient;
  /** The bound `http://host:port` address. */
  url: string;
  close(): Promise<void>;
}

/** The transport to the model changes nothing of the public API: only the adapter differs. */
function createAdapter(kind: ServeOptions['upstreamApiKind'], client: UpstreamClient, limits: Limits): UpstreamAdapter {
  const options = { maxEventBytes: limits.upstreamMaxEventBytes };
  return kind === 'responses' ? createResponsesAdapter(client, options) : createChatCompletionsAdapter(client, options);
}

function contextMetrics(metrics: Metrics): ContextEvents {
  return {
    truncated(droppedItems) {
      metrics.truncations.inc();
      metrics.truncatedItems.inc(droppedItems);
    },
  };
}

/** Composition root of one gateway process: wire upstream, store and tools into the app. */
export function createGateway(deps: GatewayDeps): { app: FastifyInstance; upstream: UpstreamClient } {
  const limits = deps.serve.limits ?? DEFAULT_LIMITS;
  const upstream = createUpstreamClient({
    baseUrl: deps.serve.upstream,
    apiKey: deps.env.upstreamApiKey,
    http2: deps.env.upstreamHttp2 ?? false,
    connectTimeoutMs: limits.upstreamConnectTimeoutMs,
    firstByteTimeoutMs: limits.upstreamFirstByteTimeoutMs,
    idleTimeoutMs: limits.upstreamIdleTimeoutMs,
    totalTimeoutMs: limits.upstreamTotalTimeoutMs,
    maxOutputBytes: limits.upstreamMaxOutputBytes,
  });
  const obs = deps.observability ?? defaultObservability(deps.env);
  const toolEnv = deps.toolEnv ?? process.env;
  const mcp = readMcpRequestSettings(toolEnv);
  // The helper processes' clients; the MCP runtime's also serves the discovery routes.
  const helpers: ToolHelpers = {
    codeInterpreterUrl: deps.codeInterpreterUrl ?? null,
    codeInterpreterToken: deps.codeInterpreterToken,
    mcpRuntime: deps.mcpRuntimeUrl ? createMcpRuntimeClient(deps.mcpRuntimeUrl, mcp.toolTimeoutMs + 5000, deps.mcpRuntimeToken) : null,
  };
  const mcpRuntime = helpers.mcpRuntime;
  const tools: GatewayTool[] = [...(deps.tools ?? [])];
  for (const plugin of allGatewayToolPlugins) {
    // A tool that is off stays unregistered, so requests using it are a 400 naming it.
    const tool = plugin.create({ options: deps.serve, env: toolEnv, helpers });
    if (tool) tools.push(tool);
  }
  const context = readContextSettings(process.env);
  // Metrics, spans and timings wrap the engine's dependencies: the engine itself stays unaware.
  const { engine, forRequest } = observedEngine(
    { adapter: createAdapter(deps.serve.upstreamApiKind, upstream, limits), apiKind: deps.serve.upstreamApiKind, store: deps.store, tools },
    {
      newId,
      clock: () => Math.floor(Date.now() / 1000),
      reasoningEvents: deps.env.reasoningEvents,
      unavailableBuiltinTools: deps.env.unavailableBuiltinTools ?? 'omit',
      sealedBlobs: deps.sealedBlobs ?? sealingKeyFromEnv(process.env) ?? new SealedBlobs(generateSealingKey()),
      tokenCounter: createTokenCounter(upstream, { modelInfoTtlMs: context.modelInfoTtlMs, timeoutMs: context.tokenizeTimeoutMs }),
      compactionKeepTurns: context.compactionKeepTurns,
      ...(obs.logger ? { logger: obs.logger } : {}),
      ...(obs.metrics ? { contextEvents: contextMetrics(obs.metrics) } : {}),
      limits,
    },
    obs,
  );
  const app = buildApp({ engine, engineFor: forRequest, upstream, runSettings: deps.runSettings, context, logger: deps.logger, fallbackProxy: deps.fallbackProxy, observability: obs, apiKeys: deps.env.apiKeys, mcpRuntime, limits, sseKeepAliveSeconds: deps.env.sseKeepAliveSeconds ?? DEFAULT_SSE_KEEPALIVE_SECONDS });
  // Tools hold connection pools for the gateway's lifetime (one per destination policy): release them with it.
  app.addHook('onClose', async () => {
    await Promise.allSettled(tools.map((tool) => tool.close?.()));
  });
  return { app, upstream };
}

/**
 * The address the server is really bound to (fastify's listen() names a loopback address even
 * when bound to 0.0.0.0, and the port chosen for port 0 is only known now).
 */
function boundUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startGateway(deps: GatewayDeps): Promise<RunningGateway> {
  // Once per process, before the first request: every worker finds the same key in the store.
  const sealedBlobs = deps.sealedBlobs ?? (await loadSealingKey(process.env, deps.store, deps.observability?.logger ?? undefined)).blobs;
  const { app, upstream } = createGateway({ ...deps, sealedBlobs });
  await app.listen({ host: deps.serve.gatewayHost, port: deps.serve.gatewayPort });
  return {
    app,
    upstream,
    url: boundUrl(app),
    async close() {
      await app.close();
      await upstream.close();
    },
  };
}
