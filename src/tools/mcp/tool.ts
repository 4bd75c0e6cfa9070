/**
 * The `mcp` gateway tool. Before the run it lists each server's tools (`prepare` → `discover`);
 * the model sees one function per tool (`mcp__<label>__<tool>`); a call streams as an
 * `mcp_call` item and runs in the same request, or, when `require_approval` says so, becomes an
 * `mcp_approval_request` that ends the response for the client to approve or deny.
 */
import type { IdGenerator } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import type { McpApprovalRequestItem, McpCallItem, McpListToolsItem } from './items.js';
import type { RequestTool } from '../../api/request-schema.js';
import type { ModelTool } from '../../upstream/types.js';
import type { CallPresenter, GatewayCall, GatewayTool, ItemLookup, ToolEventSink, ToolPreparation, ToolRunContext } from '../types.js';
import { discover, type Discovery, type McpToolSettings } from './discover.js';
import { mcpFunctionName, mcpFunctionPrefix } from './names.js';
import { needsApproval, type McpEntry } from './policy.js';
import { resultText } from './result-text.js';
import type { McpToolInfo } from './source.js';
import { pinnedFetch, publicOnlyAgent } from './pinned-fetch.js';

/** Request-scoped state of one `mcp` entry (what `prepare` found). */
interface McpState extends Discovery {
  entry: McpEntry;
  byFunction: Map<string, McpToolInfo>;
}

function asState(state: unknown): McpState | null {
  return (state as McpState | undefined) ?? null;
}

function toolName(state: McpState | null, fn: string, label: string): string {
  return state?.byFunction.get(fn)?.name ?? fn.slice(mcpFunctionPrefix(label).length);
}

function parameters(schema: unknown): Record<string, unknown> {
  return typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>) : { type: 'object', properties: {} };
}

/** Run one call against its server and finish the (already announced) `mcp_call` item. */
async function execute(item: McpCallItem, state: McpState | null, sink: ToolEventSink, signal: AbortSignal): Promise<void> {
  item.status = 'in_progress';
  sink.event('response.mcp_call.in_progress', item);
  try {
    if (!state) throw new Error(`MCP server '${item.server_label}' is not available in this request.`);
    let args: unknown = {};
    if (item.arguments.trim()) args = JSON.parse(item.arguments);
    if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error('the tool arguments must be a JSON object');
    const result = await state.source.callTool(item.name, args as Record<string, unknown>, signal);
    const text = resultText(result.content, result.structured_content);
    if (result.is_error) {
      item.error = text || 'the tool reported an error';
      item.status = 'failed';
    } else {
      item.output = text;
      item.status = 'completed';
    }
  } catch (err) {
    if (signal.aborted) throw err;
    item.error = (err as Error).message;
    item.status = 'failed';
  }
  sink.event(item.status === 'completed' ? 'response.mcp_call.completed' : 'response.mcp_call.failed', item);
  sink.done(item);
}

/** Before the first turn: the listing item (unless reused), then the calls the client approved. */
function startFor(state: McpState, newId: IdGenerator): ToolPreparation['start'] {
  return async ({ sink, signal }) => {
    if (!state.reused) {
      const item: McpListToolsItem = { type: 'mcp_list_tools', id: newId('mcpl'), server_label: state.entry.server_label, tools: [], error: null };
      sink.add(item);
      sink.event('response.mcp_list_tools.in_progress', item);
      item.tools = state.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.input_schema, annotations: t.annotations }));
      if (state.error) item.error = state.error;
      sink.event(state.error ? 'response.mcp_list_tools.failed' : 'response.mcp_list_tools.completed', item);
      sink.done(item);
    }
    for (const req of state.approved) {
      const item: McpCallItem = { type: 'mcp_call', id: newId('mcp'), server_label: req.server_label, name: req.name, arguments: req.arguments, output: null, error: null, status: 'in_progress', approval_request_id: req.id };
      sink.add(item);
      await execute(item, state, sink, signal);
    }
  };
}

function functionCall(callId: string, label: string, name: string, args: string): Item {
  return { type: 'function_call', id: `fc_${callId}`, call_id: callId, name: mcpFunctionName(label, name), arguments: args, status: 'completed' };
}

function functionOutput(callId: string, output: string): Item {
  return { type: 'function_call_output', id: `fco_${callId}`, call_id: callId, output, status: 'completed' };
}

export function createMcpTool(settings: McpToolSettings): GatewayTool {
  // One agent for the remote-MCP destination policy (public addresses only), shared by every
  // request and closed at shutdown; none when URL checks are off (then sessions use plain fetch).
  const agent = settings.remoteUrlChecks && settings.remoteEnabled && !settings.guardedFetch ? publicOnlyAgent() : null;
  const withFetch: McpToolSettings = agent ? { ...settings, guardedFetch: pinnedFetch(agent) } : settings;
  return {
    kind: 'mcp',
    async close() {
      await agent?.close();
    },
    async prepare(entry, ctx) {
      if (entry.type !== 'mcp') return {};
      const found = await discover(entry, ctx, withFetch);
      const state: McpState = { ...found, entry, byFunction: new Map(found.tools.map((t) => [mcpFunctionName(entry.server_label, t.name), t])) };
      return { state, start: startFor(state, ctx.newId) };
    },
    modelTools(entry: RequestTool, state?: unknown): ModelTool[] {
      const s = asState(state);
      if (entry.type !== 'mcp' || !s) return [];
      return s.tools.map((t) => ({ name: mcpFunctionName(entry.server_label, t.name), description: t.description, parameters: parameters(t.input_schema), strict: false }));
    },
    owns(name, entry) {
      return entry.type === 'mcp' && name.startsWith(mcpFunctionPrefix(entry.server_label));
    },
    presenter(newId, entry, state): CallPresenter {
      const s = asState(state);
      const label = entry?.type === 'mcp' ? entry.server_label : '';
      return {
        createItem: (_callId, fn): Item => {
          const name = toolName(s, fn, label);
          if (entry?.type === 'mcp' && needsApproval(entry, name)) {
            const req: McpApprovalRequestItem = { type: 'mcp_approval_request', id: newId('mcpr'), server_label: label, name, arguments: '' };
            return req;
          }
          const call: McpCallItem = { type: 'mcp_call', id: newId('mcp'), server_label: label, name, arguments: '', output: null, error: null, status: 'in_progress', approval_request_id: null };
          return call;
        },
        argumentsDelta: (item, delta, sink) => {
          // An approval request is shown whole; only a running call streams its arguments.
          if (item.type !== 'mcp_call') return;
          item.arguments += delta;
          sink.event('response.mcp_call_arguments.delta', item, { delta });
        },
        argumentsDone: (item, args, sink) => {
          if (item.type === 'mcp_approval_request') {
            item.arguments = args;
            return true; // the client decides: the response ends after this turn
          }
          if (item.type === 'mcp_call') {
            item.arguments = args;
            sink.event('response.mcp_call_arguments.done', item, { arguments: args });
          }
          return false;
        },
      };
    },
    async run(_call: GatewayCall, ctx: ToolRunContext): Promise<void> {
      const item = ctx.item as McpCallItem;
      await execute(item, asState(ctx.state), ctx.sink, ctx.signal);
    },
    toModelItems(item: Item, lookup?: ItemLookup): Item[] | null {
      if (item.type === 'mcp_call') {
        const told = item.error ? `Error: ${item.error}` : (item.output ?? '');
        return [functionCall(item.id, item.server_label, item.name, item.arguments), functionOutput(item.id, told)];
      }
      if (item.type === 'mcp_approval_response' && !item.approve) {
        const req = lookup?.(item.approval_request_id);
        if (req?.type !== 'mcp_approval_request') return null;
        const why = item.reason ? ` Reason: ${item.reason}` : '';
        return [functionCall(req.id, req.server_label, req.name, req.arguments), functionOutput(req.id, `The user denied this tool call; it was not run.${why}`)];
      }
      return null;
    },
  };
}
