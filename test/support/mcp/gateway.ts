import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import type { McpRequestSettings } from '../../../src/tools/mcp/settings.js';
import { createGateway, type GatewayDeps } from '../../../src/server/gateway.js';
import type { ResponseStore } from '../../../src/store/types.js';
import { chunk, sendSse, usageChunk, type FakeUpstream, type RecordedRequest } from '../fake-upstream.js';
import { envSettings, serveOptions } from '../gateway.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const STDIO_SERVER = fileURLToPath(new URL('./stdio-server.ts', import.meta.url));

/** A config entry that runs the stdio test server with tsx. */
export function stdioEntry(name: string): Record<string, unknown> {
  return { command: process.execPath, args: ['--import', 'tsx', STDIO_SERVER], env: { MCP_TEST_NAME: name }, cwd: REPO_ROOT, transport: 'stdio' };
}

export interface McpTestGateway {
  url: string;
  client: OpenAI;
  close(): Promise<void>;
}

/** MCP settings as the environment variables the MCP tool reads. */
function mcpEnv(s: McpRequestSettings): NodeJS.ProcessEnv {
  return {
    ...process.env,
    VR_MCP_REQUEST_REMOTE_ENABLED: String(s.remoteEnabled),
    VR_MCP_REQUEST_REMOTE_URL_CHECKS: String(s.remoteUrlChecks),
    VR_MCP_HOSTED_TOOL_TIMEOUT_SEC: String(s.toolTimeoutMs / 1000),
    VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES: String(s.remoteMaxListPages),
  };
}

export async function startMcpGateway(opts: {
  upstream: FakeUpstream;
  store?: ResponseStore | null;
  mcpRuntimeUrl?: string | null;
  mcpRuntimeToken?: string;
  mcp?: Partial<McpRequestSettings>;
  observability?: GatewayDeps['observability'];
}): Promise<McpTestGateway> {
  const { app, upstream } = createGateway({
    serve: serveOptions(opts.upstream.url),
    env: envSettings(),
    store: opts.store ?? null,
    mcpRuntimeUrl: opts.mcpRuntimeUrl ?? null,
    mcpRuntimeToken: opts.mcpRuntimeToken,
    toolEnv: mcpEnv({ remoteEnabled: true, remoteUrlChecks: false, toolTimeoutMs: 10_000, remoteMaxListPages: 20, ...opts.mcp }),
    observability: opts.observability,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000 }),
    async close() {
      await app.close();
      await upstream.close();
    },
  };
}

/** vLLM-style streamed call of one function with the given arguments. */
export function functionCallChunks(name: string, args: Record<string, unknown>, callId = 'call_1'): Record<string, unknown>[] {
  const text = JSON.stringify(args);
  const half = Math.ceil(text.length / 2);
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name, arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: text.slice(0, half) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: text.slice(half) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(30, 10),
  ];
}

/** Turn 1 calls `name(args)`; once a tool result is in the conversation, answer with it. */
export function callThenAnswer(name: string, args: Record<string, unknown>) {
  return async (req: RecordedRequest, res: Parameters<typeof sendSse>[0]) => {
    const messages: any[] = req.body.messages;
    const last = messages.at(-1);
    if (last?.role !== 'tool') return sendSse(res, functionCallChunks(name, args));
    return sendSse(res, [chunk({ role: 'assistant', content: '' }), chunk({ content: `Tool said: ${last.content}` }), chunk({}, 'stop'), usageChunk(50, 5)]);
  };
}
