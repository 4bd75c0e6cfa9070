/**
 * HTTP client of the built-in MCP runtime helper (src/helpers/mcp-runtime/server.ts). Used by
 * the `mcp` tool for built-in servers and by the discovery routes.
 */
import { HELPER_TOKEN_HEADER } from '../../helpers/helper-token.js';
import type { McpCallResult, McpSource, McpToolInfo } from './source.js';

export interface RuntimeServerStatus {
  label: string;
  transport: string;
  available: boolean;
  error: string | null;
}

/** A runtime answer that is not a success: `status` 0 means the runtime was unreachable. */
export class RuntimeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface McpRuntimeClient {
  readonly url: string;
  servers(signal?: AbortSignal): Promise<RuntimeServerStatus[]>;
  source(label: string): McpSource;
}

/** `token`: the runtime's per-start token (helpers/helper-token.ts), sent on every call. */
export function createMcpRuntimeClient(baseUrl: string, toolTimeoutMs = 65_000, token = ''): McpRuntimeClient {
  const base = baseUrl.replace(/\/+$/, '');
  async function call<T>(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { [HELPER_TOKEN_HEADER]: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new RuntimeError(0, `the MCP runtime at ${base} is unreachable: ${(err as Error).message}`);
    }
    const data = (await res.json().catch(() => ({}))) as T & { error?: string };
    if (!res.ok) throw new RuntimeError(res.status, data.error ?? `the MCP runtime answered HTTP ${res.status}`);
    return data;
  }
  return {
    url: base,
    async servers(signal) {
      return (await call<{ servers: RuntimeServerStatus[] }>('GET', '/servers', undefined, 5000, signal)).servers;
    },
    source(label) {
      const at = `/servers/${encodeURIComponent(label)}/tools`;
      return {
        async listTools(signal): Promise<McpToolInfo[]> {
          return (await call<{ tools: McpToolInfo[] }>('GET', at, undefined, toolTimeoutMs, signal)).tools;
        },
        async callTool(name, args, signal): Promise<McpCallResult> {
          return call<McpCallResult>('POST', `${at}/${encodeURIComponent(name)}/call`, { arguments: args }, toolTimeoutMs, signal);
        },
      };
    },
  };
}
