import { ApiError } from '../../api/errors.js';
import type { LogProb } from '../../api/items.js';
import type { FinishReason, ModelEvent, ModelUsage } from '../../model/events.js';
import { parseResponsesEvent, type ResponsesEventLogprob, type ResponsesEventResponse, type ResponsesEventUsage } from './event-schema.js';

/**
 * The state machine that turns an upstream's native Responses stream events into model events.
 * Upstream item ids and sequence numbers are the upstream's business: the gateway's composer
 * assigns its own. Output indexes identify tool calls (they are stable per item).
 *
 * Quirks of real servers (vLLM with Harmony models): reasoning arrives as
 * `response.reasoning_text.*` inside a `reasoning` item; the final response object may carry a
 * different `call_id` than the stream announced (the stream's is used); no `[DONE]` line.
 *
 * The terminal response is authoritative for what the output items are. vLLM (non-Harmony
 * models) streams a forced function call (`tool_choice: "required"` or a named function) as
 * `output_text` deltas carrying JSON, while `response.completed` carries the proper
 * `function_call` item. So while a forced choice is pending, text is held back (it is ambiguous);
 * at the terminal event, calls the stream never announced are emitted from the terminal response,
 * and held text is released only when the terminal response says there was a message.
 */
export interface ResponsesEventInterpreter {
  event(ev: unknown): ModelEvent[];
  /** Events when the stream is over; throws when it ended without a terminal event. */
  end(): ModelEvent[];
}

interface CallState {
  index: number;
  sawDeltas: boolean;
  done: boolean;
  /**
   * A `custom_tool_call`: its raw input is re-emitted as the arguments of the one-string function
   * the rest of the gateway knows it as (`{"input": "…"}`, JSON-escaped piece by piece).
   */
  custom?: boolean;
}

/** A piece of raw text as it appears inside a JSON string literal. */
function jsonStringPiece(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function upstreamFailed(message: string): ApiError {
  return new ApiError(502, `The upstream model server failed: ${message}`, 'upstream_error', null, 'upstream_error');
}

function usageOf(raw: ResponsesEventUsage | null | undefined): ModelUsage | null {
  if (!raw) return null;
  const n = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    input_tokens: n(raw.input_tokens),
    output_tokens: n(raw.output_tokens),
    cached_tokens: n(raw.input_tokens_details?.cached_tokens),
    reasoning_tokens: n(raw.output_tokens_details?.reasoning_tokens),
  };
}

function logprobsOf(raw: (ResponsesEventLogprob | null)[] | null | undefined): LogProb[] | undefined {
  if (!raw || raw.length === 0) return undefined;
  const top = (t: Omit<ResponsesEventLogprob, 'top_logprobs'>) => ({ token: String(t.token ?? ''), logprob: Number(t.logprob ?? 0), bytes: t.bytes ?? [] });
  return raw
    .filter((lp) => lp !== null)
    .map((lp) => ({ ...top(lp), top_logprobs: (lp.top_logprobs ?? []).filter((t) => t !== null).map(top) }));
}

export interface InterpreterOptions {
  /** The turn forces a function call (`required` or a named function): hold text until the end. */
  forcedCall?: boolean;
}

/** Indexes for calls taken from the terminal response, clear of the upstream's output indexes. */
const RECONCILED_INDEX_BASE = 1_000_000;

export function createResponsesEventInterpreter(options: InterpreterOptions = {}): ResponsesEventInterpreter {
  const calls = new Map<number, CallState>();
  let terminal = false;
  const held: ModelEvent[] = [];

  /** Calls and text as the terminal response says they were (see the file comment). */
  function reconcile(response: ResponsesEventResponse, out: ModelEvent[]): void {
    const output = response.output ?? null;
    const terminalCalls = (output ?? []).filter((it) => it?.type === 'function_call').map((it) => it!);
    const missing = terminalCalls.slice(calls.size);
    const saysMessage = output ? output.some((it) => it?.type === 'message') : calls.size === 0;
    if (held.length && saysMessage) out.push(...held);
    held.length = 0;
    missing.forEach((item, k) => {
      const index = RECONCILED_INDEX_BASE + k;
      calls.set(index, { index, sawDeltas: true, done: false });
      out.push({ type: 'tool_call.start', index, call_id: String(item.call_id ?? item.id ?? `call_${index}`), name: String(item.name ?? '') });
      if (typeof item.arguments === 'string' && item.arguments) out.push({ type: 'tool_call.arguments.delta', index, delta: item.arguments });
    });
  }

  function endCall(call: CallState, out: ModelEvent[]): void {
    call.done = true;
    if (call.custom) out.push({ type: 'tool_call.arguments.delta', index: call.index, delta: '"}' });
    out.push({ type: 'tool_call.done', index: call.index });
  }

  function closeCalls(out: ModelEvent[]): void {
    for (const call of calls.values()) if (!call.done) endCall(call, out);
  }

  function finish(response: ResponsesEventResponse, out: ModelEvent[]): void {
    terminal = true;
    reconcile(response, out);
    closeCalls(out);
    const usage = usageOf(response.usage);
    if (usage) out.push({ type: 'usage', usage });
    let reason: FinishReason = calls.size ? 'tool_calls' : 'stop';
    if (response.status === 'incomplete') {
      reason = response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
    }
    out.push({ type: 'finish', reason });
  }

  function event(raw: unknown): ModelEvent[] {
    const ev = parseResponsesEvent(raw);
    if (!ev) throw upstreamFailed('a malformed stream event');
    const out: ModelEvent[] = [];
    switch (ev.type) {
      case 'response.output_text.delta':
        if (typeof ev.delta === 'string') {
          const lp = logprobsOf(ev.logprobs);
          const text: ModelEvent = { type: 'text.delta', delta: ev.delta, ...(lp ? { logprobs: lp } : {}) };
          if (options.forcedCall) held.push(text);
          else out.push(text);
        }
        break;
      case 'response.refusal.delta':
        if (typeof ev.delta === 'string') out.push({ type: 'refusal.delta', delta: ev.delta });
        break;
      case 'response.reasoning_text.delta':
      case 'response.reasoning.delta':
        if (typeof ev.delta === 'string') out.push({ type: 'reasoning.delta', delta: ev.delta });
        break;
      case 'response.output_item.added': {
        const item = ev.item;
        if (item?.type === 'custom_tool_call' && typeof ev.output_index === 'number') {
          calls.set(ev.output_index, { index: ev.output_index, sawDeltas: false, done: false, custom: true });
          out.push({ type: 'tool_call.start', index: ev.output_index, call_id: String(item.call_id ?? item.id), name: String(item.name) });
          out.push({ type: 'tool_call.arguments.delta', index: ev.output_index, delta: '{"input":"' });
          if (typeof item.input === 'string' && item.input) {
            calls.get(ev.output_index)!.sawDeltas = true;
            out.push({ type: 'tool_call.arguments.delta', index: ev.output_index, delta: jsonStringPiece(item.input) });
          }
        }
        if (item?.type === 'function_call' && typeof ev.output_index === 'number') {
          calls.set(ev.output_index, { index: ev.output_index, sawDeltas: false, done: false });
          out.push({ type: 'tool_call.start', index: ev.output_index, call_id: String(item.call_id ?? item.id), name: String(item.name) });
          if (typeof item.arguments === 'string' && item.arguments) {
            calls.get(ev.output_index)!.sawDeltas = true;
            out.push({ type: 'tool_call.arguments.delta', index: ev.output_index, delta: item.arguments });
          }
        }
        break;
      }
      case 'response.custom_tool_call_input.delta': {
        const call = typeof ev.output_index === 'number' ? calls.get(ev.output_index) : undefined;
        if (call?.custom && typeof ev.delta === 'string') {
          call.sawDeltas = true;
          out.push({ type: 'tool_call.arguments.delta', index: call.index, delta: jsonStringPiece(ev.delta) });
        }
        break;
      }
      case 'response.function_call_arguments.delta': {
        const call = typeof ev.output_index === 'number' ? calls.get(ev.output_index) : undefined;
        if (call && typeof ev.delta === 'string') {
          call.sawDeltas = true;
          out.push({ type: 'tool_call.arguments.delta', index: call.index, delta: ev.delta });
        }
        break;
      }
      case 'response.output_item.done': {
        const call = typeof ev.output_index === 'number' ? calls.get(ev.output_index) : undefined;
        if (call && !call.done) {
          // A server that sent the arguments only with the finished item: forward them whole.
          const whole = ev.item ? (call.custom ? ev.item.input : ev.item.arguments) : undefined;
          if (!call.sawDeltas && typeof whole === 'string' && whole) {
            out.push({ type: 'tool_call.arguments.delta', index: call.index, delta: call.custom ? jsonStringPiece(whole) : whole });
          }
          endCall(call, out);
        }
        break;
      }
      case 'response.completed':
      case 'response.incomplete':
        finish(ev.response ?? {}, out);
        break;
      case 'response.failed': {
        throw upstreamFailed(String(ev.response?.error?.message ?? 'response.failed'));
      }
      case 'error': {
        const err = ev.error ?? ev;
        throw upstreamFailed(String(err.message ?? 'error event'));
      }
      default:
        // Scaffolding events (created, in_progress, part added/done, text done, …) carry nothing new.
        break;
    }
    return out;
  }

  function end(): ModelEvent[] {
    if (!terminal) throw new ApiError(502, 'The upstream model server ended its stream before the response was finished.', 'upstream_error', null, 'upstream_error');
    return [];
  }

  return { event, end };
}
