/**
 * A remote MCP server named in the request (`server_url`). Each operation opens its own
 * short Streamable HTTP session: nothing request-scoped (headers, authorization) outlives the
 * request, and no connection state is shared between workers or requests.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from './pinned-fetch.js';
import type { McpCallResult, McpSource, McpToolInfo } from './source.js';

export interface RemoteServer {
  url: string;
  /** Request-scoped secrets: sent to the server, never stored, echoed or logged. */
  headers: Record<string, string>;
  /**
   * URL checks are on: refuse redirects (one could lead to a private address) and re-check every
   * address at connect time (DNS rebinding).
   */
  guarded: boolean;
  timeoutMs: number;
  /** Tool-list pages read at most: a server that pages forever is an error, not a hang. */
  maxListPages: number;
}

export const DEFAULT_MAX_LIST_PAGES = 20;

async function withSession<T>(server: RemoteServer, fetchImpl: FetchLike | undefined, signal: AbortSignal | undefined, op: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ name: 'vllm-responses', version: '0.1.0' });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: server.headers, redirect: server.guarded ? 'error' : 'follow' },
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  const abort = () => void client.close().catch(() => {});
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.connect(transport, { timeout: server.timeoutMs, signal });
    return await op(client);
  } finally {
    signal?.removeEventListener('abort', abort);
    await client.close().catch(() => {});
  }
}

/**
 * `fetchImpl`: the MCP tool's pinned fetch (connect-time address checks) when the server is
 * guarded; a guarded server without one is refused rather than reached unchecked.
 */
export function remoteSource(server: RemoteServer, fetchImpl?: FetchLike): McpSource {
  if (server.guarded && !fetchImpl) throw new Error('a guarded remote MCP server needs the pinned fetch');
  return {
    listTools(signal): Promise<McpToolInfo[]> {
      return withSession(server, fetchImpl, signal, async (client) => {
        const tools: McpToolInfo[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          if (++pages > server.maxListPages) {
            throw new Error(`the tool list has more than ${server.maxListPages} pages (VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES)`);
          }
          const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: server.timeoutMs, signal });
          for (const t of page.tools) tools.push({ name: t.name, description: t.description ?? null, input_schema: t.inputSchema, annotations: t.annotations ?? null });
          cursor = page.nextCursor;
        } while (cursor);
        return tools;
      });
    },
    callTool(name, args, signal): Promise<McpCallResult> {
      return withSession(server, fetchImpl, signal, async (client) => {
        const result = await client.callTool({ name, arguments: args }, undefined, { timeout: server.timeoutMs, signal });
        return {
          content: Array.isArray(result.content) ? result.content : [],
          is_error: result.isError === true,
          ...(result.structuredContent !== undefined ? { structured_content: result.structuredContent } : {}),
        };
      });
    },
  };
}
