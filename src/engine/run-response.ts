import { ApiError, internalError, toApiError } from '../api/errors.js';
import type { IdGenerator } from '../api/ids.js';
import type { Cancellation, CancelSignal } from '../cancellation/cancellation.js';
import type { Item } from '../api/items.js';
import { initialResponse, type ResponseResource } from '../api/response-object.js';
import type { SealedBlobs } from '../crypto/sealed-blob.js';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.js';
import { encodeRecord, type EncodedRecord } from '../store/record-codec.js';
import type { ResponseStore, StoredResponseRecord } from '../store/types.js';
import type { TokenCounter } from '../upstream/token-counter.js';
import { fitToContext } from './truncate.js';
import { compact, hasOlderToSummarise } from './compaction/compact.js';
import { expandCompactions } from './compaction/compaction-item.js';
import type { GatewayTools, ItemLookup, ToolEventSink } from '../tools/types.js';
import { passThroughParams } from '../upstream/pass-through.js';
import type { TurnRequest, UpstreamAdapter } from '../upstream/types.js';
import { sealReasoning } from './encrypted-reasoning.js';
import { clientItemToModel, clientPresenterFor } from '../tools/client/model-functions.js';
import { ResponseComposer, type StreamEvent, type TurnCall } from './composer.js';
import { appendTurn } from './conversation.js';
import { modelToolsFor } from './model-tools.js';
import type { PreparedRequest } from './prepare.js';
import { filterItemForClient, filterOutputForClient } from './include-filter.js';

/** Upstream turns one request may take before the gateway stops a runaway tool loop. */
export const MAX_TURNS = 16;

export interface EngineDeps {
  adapter: UpstreamAdapter;
  store: ResponseStore | null;
  tools: GatewayTools;
  newId: IdGenerator;
  /** Unix seconds. */
  clock: () => number;
  reasoningEvents: 'openai' | 'openresponses';
  /** A declared built-in tool this gateway cannot run: left out of what the model sees, or a 400. */
  unavailableBuiltinTools?: 'omit' | 'reject';
  /** Seals and opens the opaque blobs clients carry (compaction, encrypted reasoning). */
  sealedBlobs: SealedBlobs;
  /** Request shape caps (validation) and the stored item size; omitted = the defaults. */
  limits?: Pick<Limits, 'maxTools' | 'maxSchemaDepth' | 'maxInputDepth' | 'maxStoredItemBytes'>;
  /** Counts input tokens as the upstream will (truncation, input_tokens, auto-compaction); omitted = those features are off. */
  tokenCounter?: TokenCounter;
  /** Recent user turns a compaction keeps verbatim (default 2). */
  compactionKeepTurns?: number;
  /** Where the engine reports what no client will see (failed tool items, orphaned tool runs, store causes). */
  logger?: EngineLogger;
  /** Counts context-management events (metrics); omitted = not counted. */
  contextEvents?: ContextEvents;
}

/** What `truncation: "auto"` and automatic compaction did, for operators (the gateway wires it to metrics). */
export interface ContextEvents {
  /** One upstream turn's input was truncated: `droppedItems` items left out. */
  truncated(droppedItems: number): void;
}

/** The slice of a pino logger the engine uses. */
export interface EngineLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The outcome of a run, readable once its event stream has ended. */
export interface RunResult {
  response: ResponseResource;
  /** Set when the response failed: the error a JSON client receives (status kept). */
  error: ApiError | null;
  /**
   * The response as stored, serialised (set once it is stored): the same bytes as serialising
   * `filterOutputForClient(response, include)`, so a JSON client is answered with them.
   */
  responseJson?: string;
}

/** Someone may watch the run's events as they happen: a streaming client, or followers of a background run. */
function isWatchedLive(req: PreparedRequest['req']): boolean {
  return req.stream === true || req.background === true;
}

function turnRequest(prepared: PreparedRequest, items: Item[], deps: EngineDeps, gatewayRuns: number, maxToolCalls: number, signal: CancelSignal): TurnRequest {
  const { req } = prepared;
  // After the gateway has run a tool, a forcing tool_choice has done its job: forcing it again
  // would loop forever. Once max_tool_calls is spent, gateway tools are withdrawn entirely.
  const choice0 = gatewayRuns > 0 ? 'auto' : prepared.toolChoice;
  const { tools, choice } = modelToolsFor(prepared.tools, choice0, deps.tools, gatewayRuns < maxToolCalls, prepared.preparations);
  const wantLogprobs = req.include?.includes('message.output_text.logprobs') === true || (req.top_logprobs ?? 0) > 0;
  const format = req.text?.format;
  return {
    model: req.model,
    instructions: req.instructions ?? null,
    items,
    tools,
    toolChoice: tools.length ? choice : 'auto',
    parallelToolCalls: req.parallel_tool_calls ?? null,
    maxOutputTokens: req.max_output_tokens ?? null,
    params: passThroughParams(req),
    logprobs: wantLogprobs,
    topLogprobs: req.top_logprobs ?? null,
    reasoningEffort: req.reasoning?.effort ?? null,
    responseFormat: format && format.type !== 'text' ? (format as TurnRequest['responseFormat']) : null,
    verbosity: req.text?.verbosity ?? null,
    stream: isWatchedLive(req),
    signal,
  };
}

/** Share of the input budget at which automatic compaction starts when the request names no threshold. */
export const DEFAULT_COMPACT_SHARE = 0.8;

/**
 * `context_management: [{type: "compaction"}]` without `compact_threshold`: 80 % of what the
 * context leaves for the input (`max_model_len` − `max_output_tokens`), so the summary call
 * itself (that history plus the summary it writes) still fits. Unknown context size: null
 * (nothing to measure against, so no automatic compaction).
 */
async function defaultCompactThreshold(counter: TokenCounter, req: TurnRequest, signal: AbortSignal): Promise<number | null> {
  const limit = await counter.maxModelLen(req.model, signal);
  if (limit === null) return null;
  return Math.max(1, Math.floor(DEFAULT_COMPACT_SHARE * (limit - Math.max(req.maxOutputTokens ?? 1, 1))));
}

/** Automatic compaction that applies to a turn (ResponseRun.autoCompaction). */
interface AutoCompaction {
  entry: { compact_threshold?: number | null | undefined };
  counter: TokenCounter;
  keepTurns: number;
}

/** Why a gateway call was never run, as the model is told on replay. */
export type NotRunReasons = ReadonlyMap<Item, string>;

/** A gateway call stored as `incomplete` was never run (the response ended before it could). */
const NOT_RUN_STORED = 'This tool call was not run: the response ended before it could be run.';

/**
 * A gateway call that was not run is replayed as the call the model made plus an output that
 * says so and why, never as if it had run (an empty or "no output" answer would mislead it).
 */
function notRunReplay(replay: Item[], why: string): Item[] {
  const [call] = replay;
  if (call?.type !== 'function_call') return replay;
  return [call, { type: 'function_call_output', id: `fco_${call.call_id}`, call_id: call.call_id, output: why, status: 'completed' } as Item];
}

/**
 * Gateway-tool items become the plain function items the upstream understands. Their outputs
 * are deferred past any calls that directly follow, so calls the model made together stay in
 * one assistant message (as the model produced them) with the tool results after it.
 */
function modelFacing(items: Item[], tools: GatewayTools, lookup: ItemLookup, notRun?: NotRunReasons): Item[] {
  const out: Item[] = [];
  let deferred: Item[] = [];
  const flush = () => {
    out.push(...deferred);
    deferred = [];
  };
  for (const item of items) {
    // Client tools (namespaced functions, custom, shell, apply_patch) as the model made them.
    const client = clientItemToModel(item);
    if (client) {
      for (const it of client) {
        if (it.type === 'function_call') out.push(it);
        else {
          flush();
          out.push(it);
        }
      }
      continue;
    }
    if (item.type === 'function_call') {
      out.push(item);
      continue;
    }
    if (item.type === 'message' || item.type === 'reasoning' || item.type === 'function_call_output') {
      flush();
      out.push(item);
      continue;
    }
    let replay = tools.toModelItems(item, lookup);
    if (!replay) continue;
    const why = notRun?.get(item) ?? ((item as { status?: string }).status === 'incomplete' ? NOT_RUN_STORED : undefined);
    if (why) replay = notRunReplay(replay, why);
    const [call, ...outputs] = replay;
    if (call?.type === 'function_call') {
      out.push(call);
      deferred.push(...outputs);
    } else {
      flush();
      out.push(...replay);
    }
  }
  flush();
  return out;
}

/** The first upstream turn of a prepared request, as the model would see it (input token counting). */
export function firstTurn(prepared: PreparedRequest, deps: EngineDeps, signal: CancelSignal): TurnRequest {
  const byId = new Map<string, Item>();
  for (const it of [...prepared.history, ...prepared.input]) byId.set(it.id, it);
  const items = modelFacing(expandCompactions([...prepared.history, ...prepared.input], deps.sealedBlobs), deps.tools, (id) => byId.get(id));
  return turnRequest(prepared, items, deps, 0, prepared.req.max_tool_calls ?? Infinity, signal);
}

/**
 * The one pipeline behind every `POST /v1/responses`: tool loop → composer → persist.
 * Yields Responses stream events; non-streaming callers drain it and read `result`.
 */
export interface RunOptions {
  /**
   * `false` (WebSocket mode's `generate: false`): prepare the response without calling the model.
   * It completes with no output and zero usage, and its input is stored and cached like any
   * response's, so a later turn continues from it with `previous_response_id`.
   */
  generate?: boolean;
}

export class ResponseRun {
  readonly result: RunResult;
  /**
   * The response has really begun: the upstream accepted the first turn (2xx) or a gateway
   * tool's start step produced items. Until then a failure is a plain HTTP error for a stream
   * too (the route holds `response.created` back), exactly as for a JSON request.
   */
  started = false;
  /**
   * Items `truncation: "auto"` has left out of this run's upstream turns so far (0 = nothing).
   * Truncation happens before a turn is sent, so a stream knows the first turn's count before it
   * begins: the HTTP route reports it in a response header (README, "Token counting and truncation").
   */
  truncatedItems = 0;
  private readonly composer: ResponseComposer;
  /** Built when a gateway tool first needs them (most runs run none). */
  #include: ReadonlySet<string> | null = null;
  #sink: ToolEventSink | null = null;
  /** The response was written to the store (never twice). */
  private stored = false;
  /** Automatic compaction ran in this response (it runs at most once: see autoCompact). */
  private compacted = false;

  constructor(
    private readonly deps: EngineDeps,
    private readonly prepared: PreparedRequest,
    /**
     * Aborts the run (client gone, cancel, shutdown). The upstream turns listen to it directly;
     * tools, token counting and compaction get its AbortSignal, made only when they run.
     */
    private readonly cancellation: Cancellation,
    private readonly options: RunOptions = {},
  ) {
    const { req } = prepared;
    const response = initialResponse(req, deps.newId('resp'), deps.clock(), prepared.tools, prepared.toolChoice);
    const include = req.include ?? [];
    this.composer = new ResponseComposer(response, {
      newId: deps.newId,
      presenterFor: (name) => clientPresenterFor(name, prepared.tools, deps.newId) ?? deps.tools.presenterFor(name, prepared.tools, deps.newId, prepared.preparations),
      clientView: (item) => filterItemForClient(item, include),
      includeLogprobs: include.includes('message.output_text.logprobs'),
      reasoningEvents: deps.reasoningEvents,
      clock: deps.clock,
      singleCallPerTurn: req.parallel_tool_calls === false,
      reasoningSummary: Boolean(req.reasoning?.summary ?? req.reasoning?.generate_summary),
      ...(include.includes('reasoning.encrypted_content') ? { sealReasoning: (text: string) => sealReasoning(deps.sealedBlobs, text) } : {}),
      // Background runs record their events for followers even when the creator asked for JSON.
      live: isWatchedLive(req),
    });
    this.result = { response, error: null };
  }

  /** The request's `include`, as gateway tools read it. */
  private get include(): ReadonlySet<string> {
    return (this.#include ??= new Set(this.prepared.req.include ?? []));
  }

  /** How gateway tools report their items: straight into the composer. */
  private get sink(): ToolEventSink {
    const c = this.composer;
    return (this.#sink ??= {
      add: (item) => void c.addItem(item),
      event: (type, item, payload) => c.itemEvent(type, item, payload),
      done: (item) => c.doneItem(item),
    });
  }

  /**
   * The run's stream events in batches (one per upstream read or tool step): the SSE writer sends
   * a batch in one write. The one batch that may be empty is yielded when `started` turns true.
   * The run ends with exactly one terminal event.
   */
  async *events(): AsyncGenerator<StreamEvent[], void, undefined> {
    const c = this.composer;
    c.start();
    let ended = false;
    try {
      if (c.pending) yield c.drain();
      try {
        const { status, reason } = yield* this.loop();
        c.settle(status, reason);
        // Checked first: an await costs promise hops even when there is nothing to wait for.
        if (this.joinsConversation()) await this.appendToConversation();
        await this.persist();
        if (status === 'incomplete') this.deps.logger?.warn({ response_id: c.response.id, reason }, 'response incomplete');
        c.finish();
      } catch (err) {
        // An abort is a cancellation, unless its reason is an error (e.g. the gateway shutting
        // down under a background run), which fails the response with that error.
        const reason: unknown = this.cancellation.aborted ? this.cancellation.reason : undefined;
        if (this.cancellation.aborted && !(reason instanceof ApiError)) {
          c.cancel();
        } else {
          const apiErr = reason instanceof ApiError ? reason : err instanceof ApiError ? err : toApiError(err);
          this.result.error = apiErr;
          c.fail({ type: apiErr.type, code: apiErr.code ?? 'server_error', message: apiErr.message, param: apiErr.param });
          this.logFailure(apiErr, err);
        }
        await this.persistUnfinished();
      }
      ended = true;
      if (c.pending) yield c.drain();
    } finally {
      // The consumer stopped pulling (a streaming client left while a batch was being sent):
      // the run is cancelled and stored as such, like a cancel request.
      if (!ended) {
        c.cancel();
        await this.persistUnfinished();
      }
    }
  }

  /**
   * Every failed run reaches the log with its response id and cause (the client only sees the
   * error event): 5xx at error, client-caused 4xx at warn. An upstream error page is logged here,
   * never sent to the client.
   */
  private logFailure(apiErr: ApiError, cause: unknown): void {
    const logger = this.deps.logger;
    if (!logger) return;
    const upstream = apiErr as ApiError & { upstreamStatus?: number; upstreamBody?: string };
    const line: Record<string, unknown> = { response_id: this.result.response.id, status: apiErr.status, code: apiErr.code, error: apiErr.message, started: this.started };
    if (upstream.upstreamStatus !== undefined) line.upstream_status = upstream.upstreamStatus;
    if (upstream.upstreamBody) line.upstream_body = upstream.upstreamBody;
    // Not an ApiError: a bug; its stack is the only clue.
    if (!(cause instanceof ApiError) && cause !== apiErr) line.err = cause;
    if (apiErr.status >= 500) logger.error(line, 'response failed');
    else logger.warn(line, 'response failed');
  }

  private async *loop(): AsyncGenerator<StreamEvent[], { status: 'completed' | 'incomplete'; reason: string | null }, undefined> {
    const { deps, prepared, composer: c } = this;
    // A warm-up: the request is validated, hydrated and stored (so it can be continued), nothing is generated.
    if (this.options.generate === false) return { status: 'completed', reason: null };
    // Items by id, for gateway tools replaying their items (e.g. an approval's request): built
    // on the first lookup, since most runs make none. Remembered lists are never changed.
    const remembered: Item[][] = [];
    let byId: Map<string, Item> | null = null;
    const lookup: ItemLookup = (id) => {
      if (!byId) {
        byId = new Map();
        for (const items of remembered) for (const it of items) byId.set(it.id, it);
      }
      return byId.get(id);
    };
    const remember = (items: Item[]) => {
      if (byId) for (const it of items) byId.set(it.id, it);
      else remembered.push(items);
      return items;
    };
    const conversation = modelFacing(remember(expandCompactions([...prepared.history, ...prepared.input], deps.sealedBlobs)), deps.tools, lookup);
    // Most requests have no tool with a start step: no generator to run then.
    if (this.hasStartSteps()) conversation.push(...modelFacing(remember(yield* this.startTools()), deps.tools, lookup));
    const maxToolCalls = prepared.req.max_tool_calls ?? Infinity;
    const watched = isWatchedLive(prepared.req);
    let executed = 0;
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      c.beginTurn();
      const req = turnRequest(prepared, conversation, deps, executed, maxToolCalls, this.cancellation);
      const compaction = this.compacted ? null : this.autoCompaction(conversation);
      if (compaction) yield* this.autoCompact(req, conversation, compaction);
      if (prepared.req.truncation === 'auto' && deps.tokenCounter) {
        const fitted = await fitToContext(req, deps.tokenCounter, this.cancellation.signal);
        if (fitted.dropped > 0) {
          // Dropped for good: later turns of this run start from the truncated history too.
          conversation.splice(0, conversation.length, ...fitted.items);
          this.truncatedItems += fitted.dropped;
          deps.contextEvents?.truncated(fitted.dropped);
          deps.logger?.warn({ response_id: c.response.id, dropped_items: fitted.dropped, input_tokens: fitted.tokens }, 'truncation auto: dropped the oldest items to fit the context');
        }
      }
      for await (const batch of deps.adapter.streamTurn(req)) {
        for (const ev of batch) c.onModelEvent(ev);
        if (!this.started) {
          // The upstream accepted the turn: let a waiting stream start now, even with nothing
          // queued. Nobody waits on a JSON request's run: no empty batch (a yield costs promises).
          this.started = true;
          const accepted = c.drain();
          if (accepted.length || watched) yield accepted;
          continue;
        }
        // Once per upstream read (per token on a fast upstream).
        if (c.pending) yield c.drain();
      }
      const outcome = c.endTurn();
      if (c.pending) yield c.drain();
      const gatewayCalls = outcome.calls.filter((call) => call.open);
      if (outcome.finishReason === 'length' || outcome.finishReason === 'content_filter') {
        // The model was cut off: calls it was still writing are never run.
        for (const call of gatewayCalls) this.abandonCall(call.item);
        if (c.pending) yield c.drain();
        return { status: 'incomplete', reason: outcome.finishReason === 'length' ? 'max_output_tokens' : 'content_filter' };
      }
      if (gatewayCalls.length === 0) return { status: 'completed', reason: null };
      const gatewayItems = new Set(gatewayCalls.map((call) => call.item));
      conversation.push(...outcome.items.filter((it) => !gatewayItems.has(it)));
      const notRun = new Map<Item, string>();
      for (const call of gatewayCalls) {
        if (executed >= maxToolCalls) {
          this.abandonCall(call.item);
          notRun.set(call.item, `This tool call was not run: this request's limit of ${maxToolCalls} gateway tool call${maxToolCalls === 1 ? '' : 's'} (max_tool_calls) was reached. Answer with what you have.`);
        } else {
          yield* this.runGatewayCall(call);
          executed++;
        }
        if (c.pending) yield c.drain();
      }
      conversation.push(...modelFacing(remember(gatewayCalls.map((call) => call.item)), deps.tools, lookup, notRun));
      // Client calls in the same turn end the response: the client must answer them first.
      if (outcome.calls.length > gatewayCalls.length) return { status: 'completed', reason: null };
    }
    throw internalError(`The tool loop stopped after ${MAX_TURNS} upstream turns without a final answer.`, 'tool_loop_limit');
  }

  private hasStartSteps(): boolean {
    for (const preparation of this.prepared.preparations.values()) if (preparation.start) return true;
    return false;
  }

  /**
   * Gateway tools' work before the first turn (e.g. `mcp_list_tools` items, calls approved in
   * this request's input), in request tool order. Returns the items they added to `output`.
   */
  private async *startTools(): AsyncGenerator<StreamEvent[], Item[], undefined> {
    const { prepared, composer: c } = this;
    const before = c.response.output.length;
    for (const entry of prepared.tools) {
      const start = prepared.preparations.get(entry)?.start;
      if (!start) continue;
      this.started = true;
      const running = this.observe(start({ signal: this.cancellation.signal, include: this.include, sink: this.sink }), entry.type);
      if (c.pending) yield c.drain();
      await running.settled();
      if (c.pending) yield c.drain();
    }
    return c.response.output.slice(before);
  }

  /** A gateway call that will not run (limit reached or the model was cut off) ends incomplete. */
  private abandonCall(item: Item): void {
    (item as { status?: string }).status = 'incomplete';
    this.composer.doneItem(item);
  }

  /** Run one gateway call; the tool streams its own events about the (already announced) item. */
  private async *runGatewayCall(call: TurnCall): AsyncGenerator<StreamEvent[], void, undefined> {
    const { deps, prepared, composer: c } = this;
    const resolved = deps.tools.resolve(call.name, prepared.tools);
    if (!resolved) throw internalError(`No gateway tool owns '${call.name}'.`);
    const running = resolved.tool.run(
      { call_id: call.call_id, name: call.name, arguments: call.arguments },
      { item: call.item, signal: this.cancellation.signal, include: this.include, entry: resolved.entry, state: prepared.preparations.get(resolved.entry)?.state, sink: this.sink, principal: prepared.principal },
    );
    const observed = this.observe(running, resolved.tool.kind);
    // Events the tool emitted before its first await (e.g. `interpreting`) go out while it runs.
    if (c.pending) yield c.drain();
    await observed.settled();
    if (c.pending) yield c.drain();
    const status = (call.item as { status?: string }).status;
    if (status === 'failed' || status === 'incomplete') {
      const error = (call.item as { error?: unknown }).error;
      deps.logger?.warn({ response_id: this.result.response.id, tool: resolved.tool.kind, item_id: call.item.id, status, ...(error ? { error } : {}) }, 'gateway tool call failed');
    }
  }

  /**
   * Every started tool run is observed from the moment it starts: a consumer that stops pulling
   * at a flush (the client left) must not leave a rejection nobody handles. `settled()` is the
   * same outcome for the loop when it does go on.
   */
  private observe(running: Promise<unknown>, tool: string): { settled(): Promise<unknown> } {
    let awaited = false;
    running.catch((err: unknown) => {
      if (awaited || this.cancellation.aborted) return;
      this.deps.logger?.warn({ response_id: this.result.response.id, tool, err }, 'gateway tool run failed after its response was abandoned');
    });
    return {
      settled: () => {
        awaited = true;
        return running;
      },
    };
  }

  /**
   * A failed or cancelled response is stored too (retrievable with its status, `error` and
   * partial output), best effort: when the failure was the store itself, this may fail again,
   * and the client has already been told.
   */
  private async persistUnfinished(): Promise<void> {
    // Refused before it began: the client gets a plain HTTP error and never saw this id (a
    // background client did, at once).
    if (!this.started && !this.prepared.req.background) return;
    try {
      await this.persist();
    } catch {
      // Reported through the response's own error; nothing more to tell the client.
    }
  }

  /**
   * Whether automatic compaction may apply to this turn, decided without a generator (most
   * requests ask for none): the request asks for it, tokens can be counted, and something older
   * than the kept turns is there to summarise. Null: not this turn.
   */
  private autoCompaction(conversation: Item[]): AutoCompaction | null {
    const { deps, prepared } = this;
    const entry = prepared.req.context_management?.find((m) => m.type === 'compaction');
    if (!entry || !deps.tokenCounter) return null;
    const keepTurns = deps.compactionKeepTurns ?? 2;
    if (!hasOlderToSummarise(conversation, keepTurns)) return null;
    return { entry, counter: deps.tokenCounter, keepTurns };
  }

  /**
   * `context_management: [{type: "compaction", compact_threshold}]`: when a turn's input has
   * reached the threshold — before the first turn, or between the turns of a tool loop whose
   * outputs made it grow — the model summarises the older part first; the compaction item
   * (recent turns sealed inside) is emitted as an output item and the turn continues from its
   * contents. At most once per response, and only when something older than the kept turns is
   * there to summarise: a second summary in the same response would only re-summarise the first,
   * and the growth of a tool loop is inside the kept (current) turn.
   */
  private async *autoCompact(req: TurnRequest, conversation: Item[], { entry, counter, keepTurns }: AutoCompaction): AsyncGenerator<StreamEvent[], void, undefined> {
    const { deps, composer: c } = this;
    const threshold = entry.compact_threshold ?? (await defaultCompactThreshold(counter, req, this.cancellation.signal));
    if (threshold === null) return;
    const counted = await counter.count(req, this.cancellation.signal);
    if (counted.tokens < threshold) return;
    this.compacted = true;
    const done = await compact(deps, {
      model: req.model,
      items: [...conversation],
      keepTurns,
      instructions: req.instructions,
      params: req.params,
      signal: this.cancellation.signal,
    });
    c.addItem(done.item);
    c.doneItem(done.item);
    if (c.pending) yield c.drain();
    conversation.splice(0, conversation.length, ...expandCompactions([done.item], deps.sealedBlobs));
    deps.logger?.warn({ response_id: c.response.id, input_tokens: counted.tokens, compact_threshold: threshold, kept_items: conversation.length }, 'automatic compaction: the input reached compact_threshold');
  }

  /** A single output item larger than VR_MAX_STORED_ITEM_BYTES is not stored (the response fails). */
  private checkStorable(encoded: EncodedRecord): void {
    const max = this.deps.limits?.maxStoredItemBytes ?? DEFAULT_LIMITS.maxStoredItemBytes;
    for (const row of encoded.items) {
      // A UTF-16 unit is at most 3 UTF-8 bytes: a row that short cannot be too large, no need to count.
      if (!row.isOutput || row.json.length * 3 <= max) continue;
      // The bytes that would be stored, serialised once for the check and the write alike.
      const size = Buffer.byteLength(row.json);
      if (size > max) {
        throw new ApiError(502, `The model produced an output item of ${size} bytes, more than the ${max} bytes a stored item may hold; the response was not stored.`, 'upstream_error', null, 'output_too_large');
      }
    }
  }

  /**
   * Whether this response's items join a conversation. `store: false` persists nothing,
   * conversation items included (as OpenAI): the conversation is read as history and left unchanged.
   */
  private joinsConversation(): boolean {
    const { deps, prepared } = this;
    return deps.store !== null && prepared.conversationId !== null && prepared.req.store !== false;
  }

  /** A finished turn (never a failed or cancelled one) joins its conversation, input then output (see joinsConversation). */
  private async appendToConversation(): Promise<void> {
    const { deps, prepared } = this;
    if (!deps.store || !prepared.conversationId) return;
    const items = [...prepared.input, ...this.result.response.output];
    await appendTurn(deps.store, prepared.conversationId, prepared.principal, items).catch((err: unknown) => {
      if (err instanceof ApiError) throw err;
      throw internalError('The response was generated but could not be added to its conversation.', 'store_error');
    });
  }

  /** Store before the terminal event, so a client that continues at once finds the response. */
  private async persist(): Promise<void> {
    const { deps, prepared } = this;
    const response = this.result.response;
    if (!deps.store || prepared.req.store === false || this.stored) return;
    const record: StoredResponseRecord = {
      id: response.id,
      parentId: prepared.parentId,
      owner: prepared.principal,
      inputItems: prepared.input,
      outputItems: response.output,
      response: filterOutputForClient(response, prepared.req.include ?? []) as unknown as Record<string, unknown> & { id: string; status: string },
      createdAt: response.created_at,
    };
    let encoded: EncodedRecord;
    try {
      encoded = encodeRecord(record);
    } catch (err) {
      throw this.storeFailed(err);
    }
    this.checkStorable(encoded);
    try {
      record.encoded = encoded;
      await deps.store.put(record);
      this.stored = true;
      this.result.responseJson = encoded.responseJson;
    } catch (err) {
      throw this.storeFailed(err);
    }
  }

  private storeFailed(err: unknown): ApiError {
    this.deps.logger?.error({ response_id: this.result.response.id, err }, 'storing the response failed');
    return internalError('The response was generated but could not be stored; it is not available for retrieval or continuation.', 'store_error');
  }
}
