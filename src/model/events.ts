import type { LogProb } from '../api/items.js';

/**
 * The small internal vocabulary every upstream adapter emits. Adapters know the upstream wire
 * format; the composer and the tool loop only ever see these events.
 */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls';

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export type ModelEvent =
  | { type: 'text.delta'; delta: string; logprobs?: LogProb[] }
  | { type: 'refusal.delta'; delta: string }
  | { type: 'reasoning.delta'; delta: string }
  /** A tool call begins. `index` is the upstream's index, stable for the call's lifetime. */
  | { type: 'tool_call.start'; index: number; call_id: string; name: string }
  | { type: 'tool_call.arguments.delta'; index: number; delta: string }
  /** Emitted once per call when the upstream has finished it (at the latest, before `finish`). */
  | { type: 'tool_call.done'; index: number }
  | { type: 'usage'; usage: ModelUsage }
  | { type: 'finish'; reason: FinishReason };
