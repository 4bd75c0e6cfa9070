import type { FinishReason } from '../../model/events.js';

/**
 * Chat Completions `finish_reason` → model event finish reason. `function_call` is the legacy
 * name of `tool_calls`. Anything unknown (servers invent their own, e.g. `abort`, `eos`) is
 * treated as a normal stop rather than failing an otherwise complete answer.
 */
export function mapFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    default:
      return 'stop';
  }
}
