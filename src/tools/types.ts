import type { IdGenerator } from '../api/ids.js';
import type { Item } from '../api/items.js';
import type { RequestTool } from '../api/request-schema.js';
import type { ModelTool } from '../upstream/types.js';

/** A call the model made to a gateway-owned function, once its arguments are complete. */
export interface GatewayCall {
  call_id: string;
  name: string;
  arguments: string;
}

/** Emits Responses events about an item that has been announced. */
export interface ItemEventSink {
  event(type: string, item: Item, payload?: Record<string, unknown>): void;
}

/**
 * How a tool call is shown while the model is still writing it. Client functions are
 * `function_call` items; a gateway tool presents its own item (e.g. `code_interpreter_call`
 * with code deltas) and leaves it open for the tool loop to finish after running the call.
 */
export interface CallPresenter {
  createItem(callId: string, name: string): Item;
  /** Events right after `output_item.added` (e.g. `response.code_interpreter_call.in_progress`). */
  added?(item: Item, sink: ItemEventSink): void;
  argumentsDelta(item: Item, delta: string, sink: ItemEventSink): void;
  /** The model finished writing the call. Return true when the item is complete now. */
  argumentsDone(item: Item, args: string, sink: ItemEventSink): boolean;
}

/** How a tool reports progress while it runs: events about its own (already announced) item. */
export interface ToolEventSink {
  /** Announce the tool's output item (`response.output_item.added`). */
  add(item: Item): void;
  /** A tool-specific event about the item (e.g. `response.code_interpreter_call.interpreting`). */
  event(type: string, item: Item, payload?: Record<string, unknown>): void;
  /** Finish the item (`response.output_item.done`). */
  done(item: Item): void;
}

export interface ToolRunContext {
  /** The call's item as presented while the model wrote it (already announced, still open). */
  item: Item;
  signal: AbortSignal;
  include: ReadonlySet<string>;
  /** The request's tool entry this call belongs to (carries e.g. MCP server settings). */
  entry: RequestTool;
  sink: ToolEventSink;
}

export interface ToolResult {
  /**
   * The finished item as stored (outputs filtered by `include` only for the client). What the
   * model is told comes from `toModelItems(item)`, the same path continuations replay.
   */
  item: Item;
}

/**
 * One gateway-executed tool (code interpreter, web search, MCP). The tool loop knows nothing
 * about any of them beyond this interface; adding a tool never touches the loop.
 */
export interface GatewayTool {
  /** The request tool type this tool serves, e.g. `code_interpreter`. Also the metrics label. */
  readonly kind: string;
  /** Functions shown to the model for one request tool entry. */
  modelTools(entry: RequestTool): ModelTool[];
  /** Does this model-facing function name belong to this tool (given the request's entry)? */
  owns(name: string, entry: RequestTool): boolean;
  /** How this tool's calls appear while the model writes them. */
  presenter(newId: IdGenerator): CallPresenter;
  run(call: GatewayCall, ctx: ToolRunContext): Promise<ToolResult>;
  /** Replay a stored item of this tool to the model as a function_call + function_call_output pair. */
  toModelItems(item: Item): Item[] | null;
}

/** The registry the engine consults: which request tools are gateway-run and by whom. */
export interface GatewayTools {
  modelToolsFor(entry: RequestTool): ModelTool[];
  /** The tool and request entry that own a model-facing function name, if any. */
  resolve(name: string, tools: RequestTool[]): { tool: GatewayTool; entry: RequestTool } | null;
  /** Rewrite gateway-tool items in a history into plain function items for the upstream. */
  toModelItems(item: Item): Item[] | null;
  /** The presenter for a model-facing function name in this request, or null for client functions. */
  presenterFor(name: string, tools: RequestTool[], newId: IdGenerator): CallPresenter | null;
  readonly enabledKinds: ReadonlySet<string>;
}

export function createGatewayTools(tools: GatewayTool[]): GatewayTools {
  const byKind = new Map(tools.map((t) => [t.kind, t]));
  const kindOf = (entry: RequestTool) => (entry.type.startsWith('web_search') ? 'web_search' : entry.type);
  return {
    enabledKinds: new Set(byKind.keys()),
    modelToolsFor(entry) {
      return byKind.get(kindOf(entry))?.modelTools(entry) ?? [];
    },
    resolve(name, requestTools) {
      for (const entry of requestTools) {
        if (entry.type === 'function') continue;
        const tool = byKind.get(kindOf(entry));
        if (tool?.owns(name, entry)) return { tool, entry };
      }
      return null;
    },
    presenterFor(name, requestTools, newId) {
      for (const entry of requestTools) {
        if (entry.type === 'function') continue;
        const tool = byKind.get(kindOf(entry));
        if (tool?.owns(name, entry)) return tool.presenter(newId);
      }
      return null;
    },
    toModelItems(item) {
      for (const tool of tools) {
        const out = tool.toModelItems(item);
        if (out) return out;
      }
      return null;
    },
  };
}
