import { readMcpRequestSettings } from '../../config/mcp-settings.js';
import { defineToolPlugin } from '../plugin.js';
import { mcpSpec } from './spec.js';
import { createMcpTool } from './tool.js';

/**
 * On when the built-in MCP runtime runs (`--mcp-config`, a helper flag with its own start-up
 * line) or requests may name remote servers (`VR_MCP_REQUEST_REMOTE_ENABLED`, default on).
 */
export const mcpPlugin = defineToolPlugin({
  spec: mcpSpec,
  flags: [],
  readOptions: () => ({}),
  describe: () => null,
  create: ({ env, helpers }) => {
    const settings = readMcpRequestSettings(env);
    if (!helpers.mcpRuntime && !settings.remoteEnabled) return null;
    return createMcpTool({ runtime: helpers.mcpRuntime, remoteEnabled: settings.remoteEnabled, remoteUrlChecks: settings.remoteUrlChecks, remoteTimeoutMs: settings.toolTimeoutMs, remoteMaxListPages: settings.remoteMaxListPages });
  },
});
