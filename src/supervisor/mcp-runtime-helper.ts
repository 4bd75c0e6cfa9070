import { fileURLToPath } from 'node:url';
import { loadMcpConfig } from '../config/mcp-config.js';
import type { ServeOptions } from '../config/serve-options.js';
import { HELPER_TOKEN_HEADER, MCP_RUNTIME_TOKEN_ENV, newHelperToken } from '../helpers/helper-token.js';
import { HelperProcess } from './helper-process.js';

/** The compiled entry of the MCP runtime, next to this file in dist/. */
const ENTRY = fileURLToPath(new URL('../helpers/mcp-runtime/entry.js', import.meta.url));

export interface McpServerStartup {
  label: string;
  available: boolean;
  error: string | null;
}

export interface McpRuntime {
  /** Base URL the gateway workers call, or null when built-in MCP is off. */
  url: string | null;
  /** The runtime's per-start token (sent on every call but /health). */
  token?: string | undefined;
  describe: string;
  /** Each configured server's start-up outcome (for `mcp_server_startup_total`). */
  servers: McpServerStartup[];
  stop(): Promise<void>;
}

function startupTimeoutSec(env: NodeJS.ProcessEnv): number {
  const n = Number(env.VR_MCP_HOSTED_STARTUP_TIMEOUT_SEC ?? 10);
  return Number.isFinite(n) && n > 0 ? n : 10;
}

/**
 * `--mcp-config PATH`: validate the file here (a bad file fails before anything is spawned),
 * then start the singleton runtime on loopback `--mcp-port` and wait until it has tried every
 * server. Throws with a clear message on a bad config or a runtime that does not come up.
 */
export async function startMcpRuntime(opts: Pick<ServeOptions, 'mcpConfig' | 'mcpPort'>, log: (line: string) => void, env: NodeJS.ProcessEnv): Promise<McpRuntime> {
  if (!opts.mcpConfig) return { url: null, describe: 'MCP runtime off', servers: [], stop: async () => {} };
  const config = loadMcpConfig(opts.mcpConfig);
  const url = `http://127.0.0.1:${opts.mcpPort}`;
  // A fresh token per start, handed over in the environment (argv is readable by every local user).
  const token = newHelperToken();
  const helper = new HelperProcess({
    name: 'MCP runtime',
    script: ENTRY,
    args: ['--config', opts.mcpConfig, '--host', '127.0.0.1', '--port', String(opts.mcpPort)],
    env: { ...env, [MCP_RUNTIME_TOKEN_ENV]: token },
    healthUrl: `${url}/health`,
    // Servers start in parallel, each bounded by the start-up timeout; leave room for Node itself.
    startupTimeoutMs: (startupTimeoutSec(env) + 20) * 1000,
    log,
  });
  await helper.start();
  let servers: McpServerStartup[] = [];
  try {
    const res = await fetch(`${url}/servers`, { signal: AbortSignal.timeout(5000), headers: { [HELPER_TOKEN_HEADER]: token } });
    servers = ((await res.json()) as { servers: McpServerStartup[] }).servers;
  } catch (err) {
    await helper.stop();
    throw new Error(`MCP runtime at ${url} did not list its servers: ${(err as Error).message}`);
  }
  for (const s of servers) if (!s.available) log(`MCP server '${s.label}' is unavailable: ${s.error ?? 'unknown error'}`);
  const up = servers.filter((s) => s.available).length;
  return {
    url,
    token,
    describe: `MCP runtime at ${url} (${up}/${config.size} servers available)`,
    servers,
    stop: () => helper.stop(),
  };
}
