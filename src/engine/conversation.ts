/**
 * `conversation` on `POST /v1/responses`: the conversation's items are the history, and the
 * turn's input and output are appended to it when the response completes (never when it
 * fails). Appends are serialised by the store, so concurrent turns on one conversation from
 * several workers each land whole, in completion order.
 */
import { conversationNotFound } from '../api/conversation-object.js';
import { invalidRequest } from '../api/errors.js';
import type { IdGenerator, IdPrefix } from '../api/ids.js';
import type { Item } from '../api/items.js';
import type { Principal } from '../api/principal.js';
import type { CreateResponseRequest } from '../api/request-schema.js';
import type { ResponseStore } from '../store/types.js';

export function conversationIdOf(req: CreateResponseRequest): string | null {
  const c = req.conversation;
  if (c === undefined || c === null) return null;
  return typeof c === 'string' ? c : c.id;
}

export async function hydrateConversation(store: ResponseStore | null, req: CreateResponseRequest, principal: Principal): Promise<{ id: string; items: Item[] } | null> {
  const id = conversationIdOf(req);
  if (id === null) return null;
  if (req.previous_response_id) {
    throw invalidRequest("Mutually exclusive parameters: provide either 'previous_response_id' or 'conversation', not both.", 'conversation', 'mutually_exclusive_parameters');
  }
  const items = store ? await store.getConversationItems(id, principal) : null;
  if (!items) throw conversationNotFound(id, 'conversation');
  return { id, items };
}

/**
 * Input items that reuse an id already in the conversation (an `item_reference`, or a client
 * resending an item) are new occurrences: they get fresh ids so the append cannot collide.
 */
export function withDistinctIds(input: Item[], history: Item[], newId: IdGenerator): Item[] {
  const seen = new Set(history.map((item) => item.id));
  return input.map((item) => {
    if (!seen.has(item.id)) {
      seen.add(item.id);
      return item;
    }
    const prefix = (item.id.split('_')[0] || 'msg') as IdPrefix;
    const fresh = { ...item, id: newId(prefix) } as Item;
    seen.add(fresh.id);
    return fresh;
  });
}

export async function appendTurn(store: ResponseStore, id: string, principal: Principal, items: Item[]): Promise<void> {
  if (!(await store.appendConversationItems(id, principal, items))) throw conversationNotFound(id, 'conversation');
}
