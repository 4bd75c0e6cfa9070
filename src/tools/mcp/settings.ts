/** The MCP environment variables a gateway worker reads (README, "MCP tools"). */
import { readBooleanEnv } from '../../observability/env-flags.js';

export interface McpRequestSettings {
  /** `VR_MCP_REQUEST_REMOTE_ENABLED` (true): requests may name remote servers (`server_url`). */
  remoteEnabled: boolean;
  /** `VR_MCP_REQUEST_REMOTE_URL_CHECKS` (true): https only, public addresses only. */
  remoteUrlChecks: boolean;
  /** `VR_MCP_HOSTED_TOOL_TIMEOUT_SEC` (60), in ms: one MCP tool call or listing. */
  toolTimeoutMs: number;
  /** `VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES` (20): tool-list pages read from a remote server at most. */
  remoteMaxListPages: number;
}

export function readMcpRequestSettings(env: NodeJS.ProcessEnv): McpRequestSettings {
  const raw = env.VR_MCP_HOSTED_TOOL_TIMEOUT_SEC;
  const sec = raw === undefined || raw.trim() === '' ? 60 : Number(raw);
  if (!Number.isFinite(sec) || sec <= 0) throw new Error(`VR_MCP_HOSTED_TOOL_TIMEOUT_SEC must be a positive number of seconds, got '${raw}'.`);
  return {
    remoteEnabled: readBooleanEnv('VR_MCP_REQUEST_REMOTE_ENABLED', env.VR_MCP_REQUEST_REMOTE_ENABLED, true),
    remoteUrlChecks: readBooleanEnv('VR_MCP_REQUEST_REMOTE_URL_CHECKS', env.VR_MCP_REQUEST_REMOTE_URL_CHECKS, true),
    toolTimeoutMs: sec * 1000,
    remoteMaxListPages: positiveInt('VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES', env.VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES, 20),
  };
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${raw}'.`);
  return n;
}
