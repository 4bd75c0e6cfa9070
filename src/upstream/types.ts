import type { Item } from '../api/items.js';
import type { CancelSignal } from '../cancellation/cancellation.js';
import type { ModelEvent } from '../model/events.js';
import type { PassThroughParams } from './pass-through.js';

/** A function the model may call, as the model sees it (gateway tools are shown this way too). */
export interface ModelTool {
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
  /**
   * A client `custom` tool shown as a function with one string argument `input` (the grammar
   * in its description). A native Responses upstream gets it back as the custom tool it is.
   */
  custom?: { description?: string | null; format: { type: 'text' } | { type: 'grammar'; syntax: 'lark' | 'regex'; definition: string } };
}

export type ModelToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean | null; description?: string | null };

/**
 * Everything one upstream turn needs. `items` is the whole model-facing history in order
 * (hydrated history, this request's input, and items produced by earlier turns of the tool
 * loop). Gateway-tool items have already been rewritten by the tool loop into plain
 * `function_call` + `function_call_output` pairs, so adapters only meet message, reasoning,
 * function_call and function_call_output items.
 */
export interface TurnRequest {
  model: string;
  instructions: string | null;
  items: Item[];
  tools: ModelTool[];
  toolChoice: ModelToolChoice;
  parallelToolCalls: boolean | null;
  maxOutputTokens: number | null;
  /** Sampling and the other parameters sent unchanged (upstream/pass-through.ts). */
  params: PassThroughParams;
  /** Ask the upstream for token logprobs; `topLogprobs` alternatives per token (0 = none). */
  logprobs: boolean;
  topLogprobs: number | null;
  reasoningEffort: string | null;
  responseFormat: ResponseFormat | null;
  /** `text.verbosity`, for servers that understand it (README, "Clients"). Omitted = not sent. */
  verbosity?: string | null;
  /**
   * Whether anything watches this turn's events as they arrive (a `stream: true` or background
   * client; a background run can be followed live). `false`: the Chat Completions transport asks
   * the upstream for one JSON answer instead of a token stream (less CPU on both sides; the model
   * events are the same). Omitted = streamed.
   */
  stream?: boolean;
  /** Extra headers for the upstream call (trace context). */
  headers?: Record<string, string>;
  /**
   * Aborts the turn (the client left, the run was cancelled): the request's `Cancellation`, or any
   * AbortSignal. Code that needs a real AbortSignal gets it from the engine, not from here.
   */
  signal: CancelSignal;
}

export interface UpstreamAdapter {
  /**
   * Run one turn and yield model events as upstream bytes arrive, in batches (one per network
   * read) so a fast upstream does not pay the async-iteration cost per token. The first batch is
   * empty: it says the upstream accepted the request (2xx headers), before any token; every
   * later batch is non-empty.
   * Throws ApiError for HTTP errors (status and message kept), transport failures
   * (502 upstream_unavailable / 504 upstream_timeout) and streams that end abnormally.
   * Ending the iteration early (`return()`, a `break` out of `for await`) releases the upstream
   * request. An iterable rather than an async generator, so hot paths can hand out iterators
   * without a generator layer per read.
   */
  streamTurn(req: TurnRequest): AsyncIterable<ModelEvent[]>;
}
