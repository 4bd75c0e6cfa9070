/**
 * The runtime's sessions, one per configured server. A server that fails to start (or whose
 * connection later closes) is reported unavailable with its reason; the others keep working.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerConfig, McpServersConfig } from '../../config/mcp-config.js';
import { connectServer } from './connect.js';

export interface ServerStatus {
  label: string;
  transport: 'stdio' | 'streamable-http' | 'sse';
  available: boolean;
  error: string | null;
}

export interface ToolInfo {
  name: string;
  description: string | null;
  input_schema: unknown;
  annotations: unknown;
}

export interface CallOutcome {
  content: unknown[];
  is_error: boolean;
  structured_content?: unknown;
}

export class SessionError extends Error {
  constructor(
    readonly status: 404 | 409 | 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

interface Session {
  cfg: McpServerConfig;
  client: Client | null;
  error: string | null;
}

export interface SessionTimeouts {
  startupMs: number;
  toolMs: number;
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    config: McpServersConfig,
    private readonly timeouts: SessionTimeouts,
  ) {
    for (const [label, cfg] of config) this.sessions.set(label, { cfg, client: null, error: 'not started' });
  }

  /** Connect to every server in parallel; never throws (failures become statuses). */
  async start(log: (line: string) => void): Promise<void> {
    await Promise.all(
      [...this.sessions].map(async ([label, s]) => {
        try {
          s.client = await connectServer(s.cfg, this.timeouts.startupMs, () => {
            if (s.client) log(`MCP server '${label}' closed its connection; it is now unavailable`);
            s.client = null;
            s.error = 'the server closed its connection';
          });
          s.error = null;
          log(`MCP server '${label}' ready`);
        } catch (err) {
          s.error = (err as Error).message;
          log(`MCP server '${label}' failed to start: ${s.error}`);
        }
      }),
    );
  }

  statuses(): ServerStatus[] {
    return [...this.sessions].map(([label, s]) => ({
      label,
      transport: s.cfg.kind === 'stdio' ? 'stdio' : s.cfg.transport,
      available: s.client !== null,
      error: s.client ? null : s.error,
    }));
  }

  private client(label: string): Client {
    const s = this.sessions.get(label);
    if (!s) throw new SessionError(404, `No MCP server with label '${label}' is configured.`);
    if (!s.client) throw new SessionError(409, `MCP server '${label}' is unavailable: ${s.error ?? 'unknown error'}`);
    return s.client;
  }

  async listTools(label: string): Promise<ToolInfo[]> {
    const client = this.client(label);
    const tools: ToolInfo[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: this.timeouts.toolMs });
        for (const t of page.tools) tools.push({ name: t.name, description: t.description ?? null, input_schema: t.inputSchema, annotations: t.annotations ?? null });
        cursor = page.nextCursor;
      } while (cursor);
    } catch (err) {
      throw new SessionError(502, `Listing the tools of MCP server '${label}' failed: ${(err as Error).message}`);
    }
    return tools;
  }

  async callTool(label: string, name: string, args: Record<string, unknown>): Promise<CallOutcome> {
    const client = this.client(label);
    try {
      const result = await client.callTool({ name, arguments: args }, undefined, { timeout: this.timeouts.toolMs });
      return {
        content: Array.isArray(result.content) ? result.content : [],
        is_error: result.isError === true,
        ...(result.structuredContent !== undefined ? { structured_content: result.structuredContent } : {}),
      };
    } catch (err) {
      const message = (err as Error).message;
      throw new SessionError(/timed out|timeout/i.test(message) ? 504 : 502, `Calling tool '${name}' on MCP server '${label}' failed: ${message}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].map(async (s) => {
        const c = s.client;
        s.client = null;
        await c?.close().catch(() => {});
      }),
    );
  }
}
