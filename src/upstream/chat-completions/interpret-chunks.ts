import { ApiError } from '../../api/errors.js';
import type { LogProb } from '../../api/items.js';
import type { FinishReason, ModelEvent, ModelUsage } from '../../model/events.js';
import { parseChatChunk, type ChatChoice, type ChatChunk, type ChatDelta, type ChatToolCallDelta } from './chunk-schema.js';
import { mapFinishReason } from './map-finish-reason.js';
import { mapLogprobs } from './map-logprobs.js';
import { mapUsage } from './map-usage.js';

/**
 * The state machine that turns parsed `chat.completion.chunk` objects into model events.
 * It knows every quirk of real servers; the SSE framing lives in parse-chunks.ts.
 *
 * Contract of the emitted sequence (what the engine may rely on):
 * - deltas in upstream order: reasoning before text within one delta;
 * - `tool_call.start` once per call (when its name is known), then its argument deltas;
 * - `tool_call.done` for every started call, in index order, as soon as a finish_reason arrives;
 * - at the very end: one `usage` (if the upstream reported any), then exactly one `finish`.
 *   `finish` is held back until the stream ends because usage arrives in a trailing chunk after
 *   the finish_reason; so `finish` is always the last event of a turn.
 */
export interface ChunkInterpreter {
  /** Events for one parsed chunk (throws ApiError for an error payload). */
  chunk(chunk: unknown): ModelEvent[];
  /**
   * The event for a chunk that carries only this text (plain-text-chunk.ts recognised it without
   * parsing): what `chunk` gives for it, without building the chunk object. null = no event.
   */
  plainText(content: string): ModelEvent | null;
  /** Events once the stream is over; `sawDone` says whether `data: [DONE]` arrived. */
  end(sawDone: boolean): ModelEvent[];
}

interface ToolCallState {
  index: number;
  id: string | null;
  name: string | null;
  started: boolean;
  done: boolean;
  /** Arguments that arrived before the name (held until the call can be started). */
  heldArguments: string;
}

export function createChunkInterpreter(generateCallId: () => string): ChunkInterpreter {
  const calls = new Map<number, ToolCallState>();
  let lastCallIndex: number | null = null;
  let finishReason: FinishReason | null = null;
  let usage: ModelUsage | null = null;
  // Logprobs that came with an empty content delta ride along with the next text delta.
  let heldLogprobs: LogProb[] = [];

  function chunk(input: unknown): ModelEvent[] {
    const raw = parseChatChunk(input);
    if (!raw) throw malformed('a chunk that is not a JSON object');
    throwIfErrorPayload(raw);
    if (raw.usage) usage = mapUsage(raw.usage);
    const events: ModelEvent[] = [];
    for (const choice of raw.choices ?? []) {
      // We always ask for one choice; ignore others should a server send n > 1.
      if (!choice || (typeof choice.index === 'number' && choice.index !== 0)) continue;
      interpretChoice(choice, events);
    }
    return events;
  }

  function interpretChoice(choice: ChatChoice, events: ModelEvent[]): void {
    const delta: ChatDelta = choice.delta ?? {};
    const reasoning = pickReasoning(delta);
    if (reasoning) events.push({ type: 'reasoning.delta', delta: reasoning });

    const text = textDelta(delta.content ?? '', mapLogprobs(choice.logprobs));
    if (text) events.push(text);

    if (delta.refusal) events.push({ type: 'refusal.delta', delta: delta.refusal });

    for (const tc of delta.tool_calls ?? []) if (tc) interpretToolCall(tc, events);

    if (choice.finish_reason && finishReason === null) {
      finishReason = mapFinishReason(choice.finish_reason);
      closeCalls(events);
    }
  }

  /** The text.delta for a choice's content, or null (logprobs of empty content are held). */
  function textDelta(content: string, logprobs: LogProb[]): ModelEvent | null {
    if (content) {
      const all = heldLogprobs.length ? [...heldLogprobs, ...logprobs] : logprobs;
      heldLogprobs = [];
      return all.length ? { type: 'text.delta', delta: content, logprobs: all } : { type: 'text.delta', delta: content };
    }
    if (logprobs.length) heldLogprobs.push(...logprobs);
    return null;
  }

  function interpretToolCall(tc: ChatToolCallDelta, events: ModelEvent[]): void {
    const fn = tc.function ?? {};
    const id = tc.id || null;
    const index = resolveIndex(tc.index, id);
    let state = calls.get(index);
    if (!state) {
      state = { index, id: null, name: null, started: false, done: false, heldArguments: '' };
      calls.set(index, state);
    }
    lastCallIndex = index;
    if (state.done) return; // late fragments after finish: the call was already reported complete
    // Some servers repeat the id and the full name on every fragment; the first one wins.
    if (id && !state.id) state.id = id;
    if (fn.name && !state.name) state.name = fn.name;
    const args = typeof fn.arguments === 'string' ? fn.arguments : fn.arguments ? JSON.stringify(fn.arguments) : '';
    if (!state.started && state.name) {
      state.started = true;
      events.push({ type: 'tool_call.start', index, call_id: state.id ?? generateCallId(), name: state.name });
      if (state.heldArguments) events.push({ type: 'tool_call.arguments.delta', index, delta: state.heldArguments });
      state.heldArguments = '';
    }
    if (!args) return;
    if (state.started) events.push({ type: 'tool_call.arguments.delta', index, delta: args });
    else state.heldArguments += args;
  }

  /**
   * `index` is required by the spec but some servers omit it: a fragment with a new id starts a
   * new call, anything else continues the last one.
   */
  function resolveIndex(rawIndex: number | null | undefined, id: string | null): number {
    if (typeof rawIndex === 'number' && Number.isInteger(rawIndex) && rawIndex >= 0) return rawIndex;
    if (id) {
      for (const state of calls.values()) if (state.id === id) return state.index;
      return calls.size === 0 ? 0 : Math.max(...calls.keys()) + 1;
    }
    return lastCallIndex ?? 0;
  }

  function closeCalls(events: ModelEvent[]): void {
    for (const state of [...calls.values()].sort((a, b) => a.index - b.index)) {
      if (state.done) continue;
      if (!state.started) {
        throw new ApiError(502, `The upstream model server sent tool call #${state.index} without a function name.`, 'upstream_error', null, 'upstream_error');
      }
      state.done = true;
      events.push({ type: 'tool_call.done', index: state.index });
    }
  }

  function end(sawDone: boolean): ModelEvent[] {
    const anyCall = [...calls.values()].some((c) => c.started);
    if (finishReason === null && !sawDone) {
      throw new ApiError(
        502,
        'The upstream model server closed the stream before the answer was finished.',
        'upstream_error',
        null,
        'upstream_error',
      );
    }
    const events: ModelEvent[] = [];
    // [DONE] without any finish_reason: infer it from what was produced.
    if (finishReason === null) finishReason = anyCall ? 'tool_calls' : 'stop';
    // vLLM reports `stop` for calls forced by a named/required tool_choice; they are still calls.
    if (finishReason === 'stop' && anyCall) finishReason = 'tool_calls';
    closeCalls(events);
    if (heldLogprobs.length) {
      events.push({ type: 'text.delta', delta: '', logprobs: heldLogprobs });
      heldLogprobs = [];
    }
    if (usage) events.push({ type: 'usage', usage });
    events.push({ type: 'finish', reason: finishReason });
    return events;
  }

  return { chunk, plainText: (content) => textDelta(content, NO_LOGPROBS), end };
}

/** A plain-text chunk's logprobs: none (never mutated, never handed out: textDelta reads its length). */
const NO_LOGPROBS: LogProb[] = [];

/**
 * vLLM has named the reasoning field `reasoning_content` (older) and `reasoning` (current), and
 * during the transition sent both with the same text. Take one, never both.
 */
function pickReasoning(delta: ChatDelta): string {
  return delta.reasoning || delta.reasoning_content || '';
}

/** OpenAI sends `{"error":{…}}` mid-stream; vLLM `{"object":"error",…}` or `{"error":{…}}`. */
function throwIfErrorPayload(raw: ChatChunk): void {
  const err: { message?: unknown } | null = raw.error && typeof raw.error === 'object' ? raw.error : raw.object === 'error' ? raw : typeof raw.error === 'string' ? { message: raw.error } : null;
  if (!err) return;
  const message = typeof err.message === 'string' && err.message ? err.message : 'unknown error';
  throw new ApiError(502, `The upstream model server failed while streaming: ${message}`, 'upstream_error', null, 'upstream_error');
}

export function malformed(what: string): ApiError {
  return new ApiError(502, `The upstream model server sent ${what}.`, 'upstream_error', null, 'upstream_error');
}
