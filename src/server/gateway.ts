import type { FastifyInstance } from 'fastify';
import { newId } from '../api/ids.js';
import { generateSealingKey, SealedBlobs } from '../crypto/sealed-blob.js';
import { loadSealingKey, sealingKeyFromEnv } from '../crypto/sealing-key.js';
import { DEFAULT_SSE_KEEPALIVE_SECONDS, type EnvSettings } from '../config/env.js';
import type { ServeOptions } from '../config/serve-options.js';
import type { EngineDeps } from '../engine/run-response.js';
import type { ResponseStore } from '../store/types.js';
import { createCodeInterpreterClient } from '../tools/code-interpreter/client.js';
import { createCodeInterpreterTool } from '../tools/code-interpreter/tool.js';
import { readMcpRequestSettings, type McpRequestSettings } from '../config/mcp-settings.js';
import { createMcpRuntimeClient } from '../tools/mcp/runtime-client.js';
import { createMcpTool } from '../tools/mcp/tool.js';
import { createGatewayTools, type GatewayTool } from '../tools/types.js';
import { createWebSearchBackend } from '../tools/web-search/profile.js';
import { readWebSearchSettings } from '../tools/web-search/settings.js';
import { createWebSearchTool } from '../tools/web-search/tool.js';
import { createChatCompletionsAdapter } from '../upstream/chat-completions/adapter.js';
import { createResponsesAdapter } from '../upstream/responses/adapter.js';
import { createUpstreamClient, type UpstreamClient } from '../upstream/http-client.js';
import type { UpstreamAdapter } from '../upstream/types.js';
import { buildApp } from './app.js';
import { instrumentAdapter } from './instrument/instrument-adapter.js';
import { instrumentStore } from './instrument/instrument-store.js';
import { instrumentTool } from './instrument/instrument-tools.js';
import { defaultObservability, type GatewayObservability } from './observability.js';
import type { FallbackProxyOptions } from './routes/fallback-proxy.js';

export interface GatewayDeps {
  serve: ServeOptions;
  env: EnvSettings;
  store: ResponseStore | null;
  /** Base URL of the code interpreter helper; null when the tool is disabled. */
  codeInterpreterUrl?: string | null;
  /** Base URL of the built-in MCP runtime; null when `--mcp-config` is not set. */
  mcpRuntimeUrl?: string | null;
  /** MCP env settings; default read from the process environment. */
  mcp?: McpRequestSettings;
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
function createAdapter(kind: ServeOptions['upstreamApiKind'], client: UpstreamClient): UpstreamAdapter {
  return kind === 'responses' ? createResponsesAdapter(client) : createChatCompletionsAdapter(client);
}

/** Composition root of one gateway process: wire upstream, store and tools into the app. */
export function createGateway(deps: GatewayDeps): { app: FastifyInstance; upstream: UpstreamClient } {
  const upstream = createUpstreamClient({ baseUrl: deps.serve.upstream, apiKey: deps.env.upstreamApiKey });
  const obs = deps.observability ?? defaultObservability(deps.env);
  const tools: GatewayTool[] = [...(deps.tools ?? [])];
  if (deps.codeInterpreterUrl) tools.push(createCodeInterpreterTool(createCodeInterpreterClient(deps.codeInterpreterUrl)));
  const mcp = deps.mcp ?? readMcpRequestSettings(process.env);
  const mcpRuntime = deps.mcpRuntimeUrl ? createMcpRuntimeClient(deps.mcpRuntimeUrl, mcp.toolTimeoutMs + 5000) : null;
  if (mcpRuntime || mcp.remoteEnabled) {
    tools.push(createMcpTool({ runtime: mcpRuntime, remoteEnabled: mcp.remoteEnabled, remoteUrlChecks: mcp.remoteUrlChecks, remoteTimeoutMs: mcp.toolTimeoutMs }));
  }
  // Without a profile web_search stays unregistered, so requests using it are a 400 naming it.
  const webSearchProfile = deps.serve.webSearchProfile;
  if (webSearchProfile) tools.push(createWebSearchTool(createWebSearchBackend(webSearchProfile, readWebSearchSettings(process.env))));
  // Metrics, spans and timings wrap the engine's dependencies: the engine itself stays unaware.
  const gatewayTools = createGatewayTools(tools.map((tool) => instrumentTool(tool, obs)));
  const engine: EngineDeps = {
    adapter: instrumentAdapter(createAdapter(deps.serve.upstreamApiKind, upstream), deps.serve.upstreamApiKind, gatewayTools, obs),
    store: deps.store ? instrumentStore(deps.store, obs) : null,
    tools: gatewayTools,
    newId,
    clock: () => Math.floor(Date.now() / 1000),
    reasoningEvents: deps.env.reasoningEvents,
    sealedBlobs: deps.sealedBlobs ?? sealingKeyFromEnv(process.env) ?? new SealedBlobs(generateSealingKey()),
  };
  const app = buildApp({ engine, upstream, logger: deps.logger, fallbackProxy: deps.fallbackProxy, observability: obs, apiKeys: deps.env.apiKeys, mcpRuntime, sseKeepAliveSeconds: deps.env.sseKeepAliveSeconds ?? DEFAULT_SSE_KEEPALIVE_SECONDS });
  return { app, upstream };
}

export async function startGateway(deps: GatewayDeps): Promise<RunningGateway> {
  // Once per process, before the first request: every worker finds the same key in the store.
  const sealedBlobs = deps.sealedBlobs ?? (await loadSealingKey(process.env, deps.store, deps.observability?.logger ?? undefined)).blobs;
  const { app, upstream } = createGateway({ ...deps, sealedBlobs });
  const url = await app.listen({ host: deps.serve.gatewayHost, port: deps.serve.gatewayPort });
  return {
    app,
    upstream,
    url,
    async close() {
      await app.close();
      await upstream.close();
    },
  };
}
