import { parsePort } from '../../config/serve-options.js';
import { defineToolPlugin } from '../plugin.js';
import { readMcpRequestSettings } from './settings.js';
import { mcpSpec } from './spec.js';
import { createMcpTool } from './tool.js';

/** The built-in MCP runtime helper's flags (`supervisor/mcp-runtime-helper.ts` starts it from these). */
export interface McpOptions {
  mcpConfig: string | null;
  mcpPort: number;
}

const DEFAULT_PORT = '5981';

/**
 * On when the built-in MCP runtime runs (`--mcp-config`) or requests may name remote servers
 * (`VR_MCP_REQUEST_REMOTE_ENABLED`, default on). The runtime's start-up line is its own
 * (`MCP runtime at …`), since only the started helper knows which servers came up.
 */
export const mcpPlugin = defineToolPlugin({
  spec: mcpSpec,
  flags: [
    { flag: 'mcp-config', value: 'path', description: 'built-in MCP servers config (mcpServers JSON); starts the MCP runtime helper' },
    { flag: 'mcp-port', value: 'port', description: 'loopback port of the built-in MCP runtime', default: DEFAULT_PORT },
  ],
  env: [{ name: 'VR_MCP_*', description: 'MCP settings (server start-up and tool timeouts, remote servers and their URL checks)' }],
  readOptions: (raw): McpOptions => ({ mcpConfig: raw.mcpConfig ?? null, mcpPort: parsePort('--mcp-port', raw.mcpPort ?? DEFAULT_PORT) }),
  describe: () => null,
  create: ({ env, helpers }) => {
    const settings = readMcpRequestSettings(env);
    if (!helpers.mcpRuntime && !settings.remoteEnabled) return null;
    return createMcpTool({ runtime: helpers.mcpRuntime, remoteEnabled: settings.remoteEnabled, remoteUrlChecks: settings.remoteUrlChecks, remoteTimeoutMs: settings.toolTimeoutMs, remoteMaxListPages: settings.remoteMaxListPages });
  },
});
