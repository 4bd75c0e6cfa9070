import type { IdGenerator } from '../api/ids.js';
import type { Cancellation } from '../cancellation/cancellation.js';
import type { Item } from '../api/items.js';
import type { Principal } from '../api/principal.js';
import type { RequestTool } from '../api/request-schema.js';
import type { ModelTool } from '../upstream/types.js';
import { specOf } from './catalog.js';

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
  /** What this tool's `prepare` returned as `state` for the entry (undefined without prepare). */
  state?: unknown;
  sink: ToolEventSink;
  /** Who is calling (api/principal.ts): scope anything the call creates or reuses by it. */
  principal: Principal;
}

/** What a tool's `prepare` sees: the request's conversation, before any byte is sent. */
export interface ToolPrepareContext {
  history: readonly Item[];
  input: readonly Item[];
  /** Where the entry sits in the request, for error `param`s (e.g. `tools[2]`). */
  param: string;
  newId: IdGenerator;
  /** Who is calling (api/principal.ts). */
  principal: Principal;
  /** Aborted when the client goes away: long preparation (remote MCP listings) stops with it. */
  signal?: AbortSignal;
}

/** What `GatewayTools.prepare` is given once for all of a request's entries. */
export type RequestPrepareContext = Omit<ToolPrepareContext, 'param' | 'signal'> & {
  /**
   * Aborted when the client goes away. A tool that prepares gets its AbortSignal as `signal`,
   * made only then: a request without such a tool never pays for an AbortSignal here.
   */
  cancellation?: Cancellation;
};

/** What a tool did before the response starts (e.g. MCP discovery). */
export interface ToolPreparation {
  /** Request-scoped data the tool's other hooks receive for this entry (e.g. discovered MCP tools). */
  state?: unknown;
  /**
   * Work at the start of the run, before the first upstream turn: announce items (e.g.
   * `mcp_list_tools`) or run calls the client approved. Items it adds join the conversation.
   */
  start?(ctx: ToolStartContext): Promise<void>;
}

export interface ToolStartContext {
  signal: AbortSignal;
  include: ReadonlySet<string>;
  sink: ToolEventSink;
}

/** Request-scoped preparations, keyed by the request's tool entry. */
export type ToolPreparations = ReadonlyMap<RequestTool, ToolPreparation>;

/** Look up an item of the conversation by id (e.g. the approval request an approval answers). */
export type ItemLookup = (id: string) => Item | undefined;

/**
 * One gateway-executed tool (code interpreter, web search, MCP). The tool loop knows nothing
 * about any of them beyond this interface; adding a tool never touches the loop.
 */
export interface GatewayTool {
  /** The request tool type this tool serves, e.g. `code_interpreter`. Also the metrics label. */
  readonly kind: string;
  /** Optional: release what the tool holds for the gateway's lifetime (connection pools) at shutdown. */
  close?(): Promise<void>;
  /**
   * Optional: per-entry work in the prepare phase (validate → hydrate → prepare), e.g. listing an
   * MCP server's tools. It may throw an ApiError: that is a plain HTTP error even for streams.
   */
  prepare?(entry: RequestTool, ctx: ToolPrepareContext): Promise<ToolPreparation>;
  /** Functions shown to the model for one request tool entry (`state` from `prepare`). */
  modelTools(entry: RequestTool, state?: unknown): ModelTool[];
  /** Does this model-facing function name belong to this tool (given the request's entry)? */
  owns(name: string, entry: RequestTool): boolean;
  /**
   * How this tool's calls appear while the model writes them. A presenter whose
   * `argumentsDone` returns true leaves the call to the client, like a function call (e.g. an
   * MCP call that needs approval becomes an `mcp_approval_request` and ends the response).
   */
  presenter(newId: IdGenerator, entry?: RequestTool, state?: unknown): CallPresenter;
  /**
   * Run the call, finishing `ctx.item` (its status says how it went: a failed execution such as
   * a Python exception is a `failed` item, not a throw). What the model is told comes from
   * `toModelItems(item)`, the same path continuations replay.
   */
  run(call: GatewayCall, ctx: ToolRunContext): Promise<void>;
  /**
   * Replay a stored item of this tool to the model as a function_call + function_call_output
   * pair; `lookup` finds other items of the conversation (e.g. an approval's request).
   */
  toModelItems(item: Item, lookup?: ItemLookup): Item[] | null;
}

/** The registry the engine consults: which request tools are gateway-run and by whom. */
export interface GatewayTools {
  modelToolsFor(entry: RequestTool, preparations?: ToolPreparations): ModelTool[];
  /** The tool and request entry that own a model-facing function name, if any. */
  resolve(name: string, tools: RequestTool[]): { tool: GatewayTool; entry: RequestTool } | null;
  /** Rewrite gateway-tool items in a history into plain function items for the upstream. */
  toModelItems(item: Item, lookup?: ItemLookup): Item[] | null;
  /** The presenter for a model-facing function name in this request, or null for client functions. */
  presenterFor(name: string, tools: RequestTool[], newId: IdGenerator, preparations?: ToolPreparations): CallPresenter | null;
  /** Run every gateway tool's `prepare` for this request's entries (in parallel). */
  prepare(tools: RequestTool[], ctx: RequestPrepareContext): Promise<ToolPreparations>;
  readonly enabledKinds: ReadonlySet<string>;
}

export function createGatewayTools(tools: GatewayTool[]): GatewayTools {
  const byKind = new Map(tools.map((t) => [t.kind, t]));
  const kindOf = (entry: RequestTool) => specOf(entry)?.kind ?? entry.type;
  return {
    enabledKinds: new Set(byKind.keys()),
    modelToolsFor(entry, preparations) {
      return byKind.get(kindOf(entry))?.modelTools(entry, preparations?.get(entry)?.state) ?? [];
    },
    resolve(name, requestTools) {
      for (const entry of requestTools) {
        if (entry.type === 'function') continue;
        const tool = byKind.get(kindOf(entry));
        if (tool?.owns(name, entry)) return { tool, entry };
      }
      return null;
    },
    presenterFor(name, requestTools, newId, preparations) {
      for (const entry of requestTools) {
        if (entry.type === 'function') continue;
        const tool = byKind.get(kindOf(entry));
        if (tool?.owns(name, entry)) return tool.presenter(newId, entry, preparations?.get(entry)?.state);
      }
      return null;
    },
    toModelItems(item, lookup) {
      for (const tool of tools) {
        const out = tool.toModelItems(item, lookup);
        if (out) return out;
      }
      return null;
    },
    async prepare(requestTools, ctx) {
      const out = new Map<RequestTool, ToolPreparation>();
      const { cancellation, ...shared } = ctx;
      await Promise.all(
        requestTools.map(async (entry, i) => {
          if (entry.type === 'function') return;
          const tool = byKind.get(kindOf(entry));
          if (tool?.prepare) out.set(entry, await tool.prepare(entry, { ...shared, param: `tools[${i}]`, ...(cancellation ? { signal: cancellation.signal } : {}) }));
        }),
      );
      return out;
    },
  };
}
