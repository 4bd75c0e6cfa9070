/**
 * Opens one MCP client session to a configured server (stdio, Streamable HTTP or SSE), bounded
 * by the start-up timeout so one slow server cannot hold the runtime's start-up hostage.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerConfig } from '../../config/mcp-config.js';

export const CLIENT_INFO = { name: 'vllm-responses', version: '0.1.0' };

function transportFor(cfg: McpServerConfig): Transport {
  if (cfg.kind === 'stdio') {
    return new StdioClientTransport({
      command: cfg.command,
      args: cfg.args,
      // The SDK's safe default environment plus the entry's own variables, never our secrets.
      env: { ...getDefaultEnvironment(), ...cfg.env },
      ...(cfg.cwd ? { cwd: cfg.cwd } : {}),
      stderr: 'inherit',
    });
  }
  const requestInit: RequestInit = { headers: cfg.headers };
  const url = new URL(cfg.url);
  return cfg.transport === 'sse' ? new SSEClientTransport(url, { requestInit }) : new StreamableHTTPClientTransport(url, { requestInit });
}

export async function connectServer(cfg: McpServerConfig, timeoutMs: number, onClose: () => void): Promise<Client> {
  const client = new Client(CLIENT_INFO);
  client.onclose = onClose;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish MCP initialization within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(transportFor(cfg), { timeout: timeoutMs }), timeout]);
    return client;
  } catch (err) {
    client.onclose = undefined;
    await client.close().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
