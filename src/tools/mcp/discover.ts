/**
 * The prepare-phase half of the `mcp` tool: decide where a server's tools come from, list them
 * (or reuse the listing a previous response made), and collect the calls the client approved.
 * Everything that can fail here is a plain HTTP error, even for streaming requests.
 */
import { ApiError, invalidRequest } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import type { McpApprovalRequestItem } from './items.js';
import type { ToolPrepareContext } from '../types.js';
import { isToolAllowed, type McpEntry } from './policy.js';
import type { FetchLike } from './pinned-fetch.js';
import { DEFAULT_MAX_LIST_PAGES, remoteSource } from './remote-source.js';
import { remoteUrlProblem, type Resolver } from './remote-url-check.js';
import { RuntimeError, type McpRuntimeClient } from './runtime-client.js';
import type { McpSource, McpToolInfo } from './source.js';

export interface McpToolSettings {
  /** Built-in runtime; null when `--mcp-config` is not set. */
  runtime: McpRuntimeClient | null;
  /** `VR_MCP_REQUEST_REMOTE_ENABLED` (default true). */
  remoteEnabled: boolean;
  /** `VR_MCP_REQUEST_REMOTE_URL_CHECKS` (default true). */
  remoteUrlChecks: boolean;
  /** Remote MCP operation timeout (`VR_MCP_HOSTED_TOOL_TIMEOUT_SEC`). */
  remoteTimeoutMs: number;
  /** Pages of a remote server's tool list read at most (`VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES`). */
  remoteMaxListPages?: number;
  resolver?: Resolver;
  /** The fetch guarded remote sessions connect through (one pinned agent for the tool's lifetime). */
  guardedFetch?: FetchLike;
}

export interface Discovery {
  source: McpSource;
  /** Tools offered to the model (after `allowed_tools`). */
  tools: McpToolInfo[];
  /** Set when listing failed (built-in server unavailable): no tools are offered. */
  error: string | null;
  /** The previous response already listed this server: no new `mcp_list_tools` item. */
  reused: boolean;
  /** Approval requests of this server the client approved in this request's input. */
  approved: McpApprovalRequestItem[];
}

/**
 * `authorization` is usually a bare token (sent as `Bearer <token>`); a value that already
 * names its scheme (`Bearer …`, `Basic …`, `Token …`: a word, whitespace, credentials) is sent
 * as given, never as `Bearer Bearer …`.
 */
export function authorizationHeader(value: string): string {
  const trimmed = value.trim();
  return /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*\s+\S/.test(trimmed) ? trimmed : `Bearer ${trimmed}`;
}

function remoteHeaders(entry: McpEntry): Record<string, string> {
  const headers: Record<string, string> = { ...(entry.headers ?? {}) };
  if (entry.authorization) headers.Authorization = authorizationHeader(entry.authorization);
  return headers;
}

async function sourceFor(entry: McpEntry, ctx: ToolPrepareContext, s: McpToolSettings): Promise<{ source: McpSource; remote: boolean }> {
  if (entry.server_url !== undefined) {
    if (!s.remoteEnabled) throw invalidRequest('Remote MCP servers (server_url) are disabled on this gateway.', `${ctx.param}.server_url`, 'tool_not_enabled');
    if (s.remoteUrlChecks) {
      const problem = await remoteUrlProblem(entry.server_url, s.resolver);
      if (problem) throw invalidRequest(`Remote MCP server refused: ${problem}.`, `${ctx.param}.server_url`, 'invalid_value');
    }
    const server = { url: entry.server_url, headers: remoteHeaders(entry), guarded: s.remoteUrlChecks, timeoutMs: s.remoteTimeoutMs };
    return { source: remoteSource({ ...server, maxListPages: s.remoteMaxListPages ?? DEFAULT_MAX_LIST_PAGES }, s.remoteUrlChecks ? s.guardedFetch : undefined), remote: true };
  }
  if (!s.runtime) {
    throw invalidRequest(`No built-in MCP server '${entry.server_label}': this gateway has no --mcp-config; give a server_url for a remote server.`, `${ctx.param}.server_label`, 'invalid_value');
  }
  return { source: s.runtime.source(entry.server_label), remote: false };
}

/** The latest successful listing of this server in the conversation, if any (continuations). */
function previousListing(label: string, items: readonly Item[]): McpToolInfo[] | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it?.type === 'mcp_list_tools' && it.server_label === label && !it.error) {
      return it.tools.map((t) => ({ name: t.name, description: t.description ?? null, input_schema: t.input_schema, annotations: t.annotations ?? null }));
    }
  }
  return null;
}

function approvedCalls(entry: McpEntry, ctx: ToolPrepareContext): McpApprovalRequestItem[] {
  const requests = new Map<string, McpApprovalRequestItem>();
  for (const it of [...ctx.history, ...ctx.input]) if (it.type === 'mcp_approval_request') requests.set(it.id, it);
  const out: McpApprovalRequestItem[] = [];
  ctx.input.forEach((it, i) => {
    if (it.type !== 'mcp_approval_response') return;
    const req = requests.get(it.approval_request_id);
    if (!req) throw invalidRequest(`No MCP approval request with id '${it.approval_request_id}' in this conversation.`, `input[${i}].approval_request_id`, 'invalid_value');
    if (req.server_label === entry.server_label && it.approve) out.push(req);
  });
  return out;
}

export async function discover(entry: McpEntry, ctx: ToolPrepareContext, s: McpToolSettings): Promise<Discovery> {
  const { source, remote } = await sourceFor(entry, ctx, s);
  const approved = approvedCalls(entry, ctx);
  const allowed = (tools: McpToolInfo[]) => tools.filter((t) => isToolAllowed(entry, t.name));
  const previous = previousListing(entry.server_label, [...ctx.history, ...ctx.input]);
  if (previous) return { source, tools: allowed(previous), error: null, reused: true, approved };
  try {
    return { source, tools: allowed(await source.listTools(ctx.signal)), error: null, reused: false, approved };
  } catch (err) {
    // The client left: nobody is waiting for an error body.
    if (ctx.signal?.aborted) throw err;
    const message = (err as Error).message;
    if (remote) {
      throw new ApiError(422, `Error retrieving tool list from MCP server '${entry.server_label}': ${message}`, 'invalid_request_error', `${ctx.param}.server_url`, 'bad_input');
    }
    if (err instanceof RuntimeError && err.status === 404) {
      throw invalidRequest(`No built-in MCP server with server_label '${entry.server_label}' is configured on this gateway.`, `${ctx.param}.server_label`, 'invalid_value');
    }
    // A built-in server that is down fails its `mcp_list_tools` item, not the request.
    return { source, tools: [], error: message, reused: false, approved };
  }
}
