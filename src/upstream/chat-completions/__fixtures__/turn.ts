import type { Item } from '../../../api/items.js';
import type { TurnRequest } from '../../types.js';

export const userItem = (text: string): Item => ({ type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] });

/** A TurnRequest with every setting unset, for adapter and request-builder tests. */
export function turnRequest(overrides: Partial<TurnRequest> = {}): TurnRequest {
  return {
    model: 'm',
    instructions: null,
    items: [userItem('hi')],
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: null,
    maxOutputTokens: null,
    params: {},
    logprobs: false,
    topLogprobs: null,
    reasoningEffort: null,
    responseFormat: null,
    signal: new AbortController().signal,
    ...overrides,
  };
}
