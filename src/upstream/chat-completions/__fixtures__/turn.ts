import type { Item } from '../../../api/items.js';
import { defaultTurn } from '../../turn-request.js';
import type { TurnRequest } from '../../types.js';

export const userItem = (text: string): Item => ({ type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] });

/** A TurnRequest with every setting unset, for adapter and request-builder tests. */
export function turnRequest(overrides: Partial<TurnRequest> = {}): TurnRequest {
  return defaultTurn({ model: 'm', items: [userItem('hi')], signal: new AbortController().signal, ...overrides });
}
