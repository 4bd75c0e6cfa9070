/**
 * The Conversations API: `/v1/conversations` and its items. A conversation is a durable, ordered
 * list of items owned by the principal that created it; `POST /v1/responses` with
 * `conversation` reads it as history and appends the turn to it (engine/conversation.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { conversationNotFound, conversationResource } from '../../api/conversation-object.js';
import { addItemsSchema, createConversationSchema, includeSchema, updateConversationSchema } from '../../api/conversation-schema.js';
import { invalidRequest, notFound } from '../../api/errors.js';
import type { IdGenerator } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import { normalizeInput } from '../../api/normalize-input.js';
import type { InputItem } from '../../api/request-schema.js';
import { validateBody } from '../../api/validate-request.js';
import { filterItemForClient } from '../../engine/include-filter.js';
import { DuplicateConversationItemError } from '../../store/errors.js';
import type { ResponseStore } from '../../store/types.js';

export interface ConversationRoutesDeps {
  /** The store as this request sees it (bound to its observation); null: no store. */
  store: (request: FastifyRequest) => ResponseStore | null;
  newId: IdGenerator;
  clock: () => number;
  /** Largest number of items one create / add-items call may carry. */
  maxItemsPerCall: number;
}

type Query = Record<string, string | string[] | undefined>;

function includeOf(q: Query): string[] {
  const raw = q.include ?? q['include[]'];
  if (raw === undefined) return [];
  const parsed = includeSchema.safeParse(Array.isArray(raw) ? raw : [raw]);
  if (!parsed.success) throw invalidRequest(`Invalid value for 'include': ${parsed.error.issues[0]?.message ?? 'unknown value'}`, 'include', 'invalid_value');
  return parsed.data;
}

function single(q: Query, key: string): string | undefined {
  const v = q[key];
  if (Array.isArray(v)) throw invalidRequest(`'${key}' may be given once.`, key, 'invalid_value');
  return v;
}

function itemNotFound(itemId: string) {
  return notFound(`Item with id '${itemId.slice(0, 200)}' not found.`, 'item_id', 'item_not_found');
}

export function registerConversationRoutes(app: FastifyInstance, deps: ConversationRoutesDeps): void {
  const needStore = (request: FastifyRequest): ResponseStore => {
    const store = deps.store(request);
    if (!store) throw invalidRequest('Conversations need a response store, and this gateway runs without one.', null, 'store_disabled');
    return store;
  };
  /** Validate and give ids to new items (an item_reference cannot name anything here). */
  const newItems = (items: InputItem[] | null | undefined): Item[] => {
    const list = items ?? [];
    if (list.length > deps.maxItemsPerCall) {
      throw invalidRequest(`At most ${deps.maxItemsPerCall} items may be added in one call (VR_CONVERSATION_MAX_ITEMS_PER_CALL).`, 'items', 'array_above_max_length');
    }
    return normalizeInput(list, deps.newId, () => undefined);
  };
  const duplicate = (err: unknown): never => {
    if (err instanceof DuplicateConversationItemError) {
      throw invalidRequest(`Duplicate item id '${err.itemId}': the conversation already has an item with that id.`, 'items', 'duplicate_item_id');
    }
    throw err;
  };

  app.post('/v1/conversations', async (request) => {
    const body = validateBody(createConversationSchema, request.body ?? {});
    const store = needStore(request);
    const items = newItems(body.items);
    const ids = new Set<string>();
    for (const item of items) {
      if (ids.has(item.id)) duplicate(new DuplicateConversationItemError(item.id));
      ids.add(item.id);
    }
    const record = { id: deps.newId('conv'), owner: request.principal, metadata: body.metadata ?? {}, createdAt: deps.clock() };
    await store.createConversation(record, items).catch(duplicate);
    return conversationResource(record);
  });

  app.get<{ Params: { conversation_id: string } }>('/v1/conversations/:conversation_id', async (request) => {
    const id = request.params.conversation_id;
    const found = await needStore(request).getConversation(id, request.principal);
    if (!found) throw conversationNotFound(id);
    return conversationResource(found);
  });

  app.post<{ Params: { conversation_id: string } }>('/v1/conversations/:conversation_id', async (request) => {
    const id = request.params.conversation_id;
    const body = validateBody(updateConversationSchema, request.body);
    const updated = await needStore(request).updateConversation(id, request.principal, body.metadata ?? {});
    if (!updated) throw conversationNotFound(id);
    return conversationResource(updated);
  });

  app.delete<{ Params: { conversation_id: string } }>('/v1/conversations/:conversation_id', async (request) => {
    const id = request.params.conversation_id;
    if (!(await needStore(request).deleteConversation(id, request.principal))) throw conversationNotFound(id);
    return { id, object: 'conversation.deleted', deleted: true };
  });

  app.get<{ Params: { conversation_id: string }; Querystring: Query }>('/v1/conversations/:conversation_id/items', async (request) => {
    const id = request.params.conversation_id;
    const q = request.query;
    const include = includeOf(q);
    const rawLimit = single(q, 'limit');
    const limit = rawLimit === undefined ? 20 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit must be an integer between 1 and 100.', 'limit', 'invalid_value');
    const order = single(q, 'order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalidRequest("order must be 'asc' or 'desc'.", 'order', 'invalid_value');
    const after = single(q, 'after');
    const page = await needStore(request).listConversationItems(id, request.principal, { limit, order, after });
    if (!page) throw conversationNotFound(id);
    const data = page.data.map((item) => filterItemForClient(item, include));
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
  });

  app.post<{ Params: { conversation_id: string }; Querystring: Query }>('/v1/conversations/:conversation_id/items', async (request) => {
    const id = request.params.conversation_id;
    const include = includeOf(request.query);
    const body = validateBody(addItemsSchema, request.body);
    const items = newItems(body.items);
    if (!(await needStore(request).appendConversationItems(id, request.principal, items).catch(duplicate))) throw conversationNotFound(id);
    const data = items.map((item) => filterItemForClient(item, include));
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false };
  });

  app.get<{ Params: { conversation_id: string; item_id: string }; Querystring: Query }>(
    '/v1/conversations/:conversation_id/items/:item_id',
    async (request) => {
      const { conversation_id: id, item_id: itemId } = request.params;
      const include = includeOf(request.query);
      const found = await needStore(request).getConversationItem(id, request.principal, itemId);
      if (!found) throw conversationNotFound(id);
      if (!found.item) throw itemNotFound(itemId);
      return filterItemForClient(found.item, include);
    },
  );

  app.delete<{ Params: { conversation_id: string; item_id: string } }>('/v1/conversations/:conversation_id/items/:item_id', async (request) => {
    const { conversation_id: id, item_id: itemId } = request.params;
    const result = await needStore(request).deleteConversationItem(id, request.principal, itemId);
    if (!result) throw conversationNotFound(id);
    if (!result.deleted) throw itemNotFound(itemId);
    return conversationResource(result.conversation);
  });
}
