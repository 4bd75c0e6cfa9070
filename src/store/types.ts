import type { Item } from '../api/items.js';
import type { EncodedRecord } from './record-codec.js';

/** The stored response object exactly as the API returns it (`GET /v1/responses/{id}`). */
export type ResponseObject = Record<string, unknown> & { id: string; status: string };

export interface StoredResponseRecord {
  id: string;
  /**
   * The principal that created the response (see `src/server/plugins/auth.ts`). Only the same
   * principal can read, continue, list or delete it; for everyone else it does not exist.
   */
  owner: string;
  /** `previous_response_id` of this response, or null for the first turn of a conversation. */
  parentId: string | null;
  /** Only the items this request added as input (never the inherited history). */
  inputItems: Item[];
  /** The response's output items (also inside `response.output`). */
  outputItems: Item[];
  response: ResponseObject;
  /** Unix seconds. */
  createdAt: number;
  /**
   * `encodeRecord` of this very record, when whoever built it has already serialised it (the
   * engine does: it checks item sizes on these bytes and answers a JSON request with the
   * response's): stores write these bytes instead of serialising everything again.
   */
  encoded?: EncodedRecord;
}

export interface ConversationHistory {
  /** The anchor response (the one named by `previous_response_id`). */
  response: ResponseObject;
  /** Every item of the chain root → anchor: each response's input items then its output items. */
  items: Item[];
}

export interface InputItemsPage {
  data: Item[];
  hasMore: boolean;
}

export interface ListInputItemsOptions {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
  before?: string;
}

/** A conversation as stored (`object: "conversation"` is built from it by the API layer). */
export interface ConversationRecord {
  id: string;
  /** The principal that created it: every other principal gets "not found". */
  owner: string;
  metadata: Record<string, string>;
  /** Unix seconds. */
  createdAt: number;
}

export interface ListConversationItemsOptions {
  limit: number;
  order: 'asc' | 'desc';
  after?: string;
}

/**
 * The Conversations API's persistence. Every method is scoped by `owner`: a conversation of
 * another owner behaves exactly as an absent one (null / false). Items are kept in append
 * order; appends from several processes are serialised on the conversation's row, so none is
 * lost or duplicated. Item ids are unique within a conversation.
 */
export interface ConversationStore {
  /** Create it with its first items, atomically. */
  createConversation(record: ConversationRecord, items: Item[]): Promise<void>;
  getConversation(id: string, owner: string): Promise<ConversationRecord | null>;
  /** Replace the metadata; the updated record, or null when absent. */
  updateConversation(id: string, owner: string, metadata: Record<string, string>): Promise<ConversationRecord | null>;
  /** Remove it and all its items; false when absent. */
  deleteConversation(id: string, owner: string): Promise<boolean>;
  /** Append items at the end (all or none); false when the conversation is absent. */
  appendConversationItems(id: string, owner: string, items: Item[]): Promise<boolean>;
  /** One page of items; null when the conversation is absent. */
  listConversationItems(id: string, owner: string, opts: ListConversationItemsOptions): Promise<InputItemsPage | null>;
  /** Every item in order (hydration of `conversation` on create); null when absent. */
  getConversationItems(id: string, owner: string): Promise<Item[] | null>;
  /** `{ item: null }` when the conversation exists but not the item; null when the conversation is absent. */
  getConversationItem(id: string, owner: string, itemId: string): Promise<{ item: Item | null } | null>;
  /** Whether the item was there and is now gone; null when the conversation is absent. */
  deleteConversationItem(id: string, owner: string, itemId: string): Promise<{ deleted: boolean; conversation: ConversationRecord } | null>;
}

/**
 * Persistence of terminal responses (and, through ConversationStore, of conversations). Implementations: SQLite (default), PostgreSQL, and a Redis
 * read-through cache that decorates either. Every method is safe to call concurrently from
 * several processes.
 *
 * Ownership: every read takes the caller's `principal` and treats a response owned by another
 * principal exactly like an absent one (same null/false, same query shape), so ids are not an
 * existence oracle across API keys. There is deliberately no method that reads without a
 * principal: code that serves a request (item references, background runs, conversations)
 * resolves responses through these methods and inherits the check.
 */
export interface ResponseStore extends ConversationStore {
  /** Human-readable backend name for the start-up summary, e.g. `sqlite:/path/to.db`. */
  readonly description: string;
  /** The backend's `db.system` name for tracing (`sqlite`, `postgresql`), from the backend registry. */
  readonly system: string;
  /** Create or migrate the schema; safe when several processes start at once. */
  init(): Promise<void>;
  /** Write one response with all its items atomically (all rows or none). */
  put(record: StoredResponseRecord): Promise<void>;
  /** The stored response object, or null when absent, deleted or owned by another principal. */
  get(id: string, principal: string): Promise<ResponseObject | null>;
  /** History for a continuation in one query; null when the anchor is absent, deleted or not the principal's. */
  getHistory(id: string, principal: string): Promise<ConversationHistory | null>;
  /** True when something was deleted. Later get/getHistory/listInputItems of it return null. */
  delete(id: string, principal: string): Promise<boolean>;
  /**
   * Stored items by item id, from any live (not deleted) response of this principal: what an
   * `item_reference` may name (OpenAI resolves any stored item, not only those of the
   * `previous_response_id` chain). Unknown ids, and ids only another principal has, are simply
   * absent from the result; with several copies the newest wins.
   */
  findItems(ids: readonly string[], principal: string): Promise<Map<string, Item>>;
  /** Page through the response's own input items; null when the response is absent or not the principal's. */
  listInputItems(id: string, principal: string, opts: ListInputItemsOptions): Promise<InputItemsPage | null>;
  /** Background runs and their event logs, in the same database. */
  readonly runs: RunStore;
  /**
   * A named secret shared by every process using this store: the stored value, or `create()`'s
   * value inserted if absent. Concurrent first calls all return the one value that won.
   */
  getOrCreateSecret(name: string, create: () => string): Promise<string>;
  close(): Promise<void>;
}

export type RunStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

export const LIVE_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['queued', 'in_progress']);

export interface RunRecord {
  id: string;
  /** The principal that created the run (null when auth is off). */
  owner: string | null;
  status: RunStatus;
  /** The latest response object (the final one once terminal). */
  response: ResponseObject;
  /** The process holding the run's lease; null once terminal. */
  worker: string | null;
  /** Unix milliseconds; null once terminal. */
  leaseExpiresAt: number | null;
  cancelRequested: boolean;
  /** Highest stored event sequence number (-1: none yet). */
  lastSeq: number;
}

/** One stored stream event: its `sequence_number` and its JSON text exactly as sent. */
export interface StoredEvent {
  seq: number;
  json: string;
}

/**
 * The durable half of a background run: a status row with a lease, and its event log. Every
 * method is one short transaction, safe from several processes.
 */
export interface RunStore {
  /**
   * `inputItems` are the request's own input items: kept with the live run so that, should its
   * owner die, the orphan is stored with them like any response (cleared once the run is terminal,
   * when the stored response holds them).
   */
  create(run: { id: string; owner: string | null; worker: string; leaseExpiresAt: number; response: ResponseObject; createdAt: number; inputItems: Item[] }): Promise<void>;
  /** The input items a live run was created with ([] once it is terminal, or for runs created before schema v7). */
  inputItems(id: string): Promise<Item[]>;
  /**
   * Append a batch of events (consecutive sequence numbers after `lastSeq`) and optionally move
   * the run to a new status/response in the same transaction. A terminal status releases the
   * lease. Returns false when the run is no longer held by `worker` (it was settled elsewhere).
   */
  append(id: string, worker: string, events: StoredEvent[], update?: { status: RunStatus; response: ResponseObject }): Promise<boolean>;
  /** Stored events with seq > afterSeq, ascending, at most `limit`. */
  events(id: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  get(id: string): Promise<RunRecord | null>;
  /** Flag a live run for cancellation; returns the row as it is now (null when absent). */
  requestCancel(id: string): Promise<RunRecord | null>;
  /** Extend the worker's lease on these live runs; returns those whose cancellation was requested. */
  renew(worker: string, ids: string[], leaseExpiresAt: number): Promise<string[]>;
  /**
   * Take over live runs whose lease expired before `now` (at most `limit`): their lease now
   * belongs to `worker` until `leaseExpiresAt`, so exactly one sweeper settles each orphan.
   */
  claimExpired(worker: string, now: number, leaseExpiresAt: number, limit: number): Promise<RunRecord[]>;
  /** Remove the run row and its events (the response itself is deleted by `ResponseStore.delete`). */
  delete(id: string): Promise<void>;
  /**
   * Cross-process wake-ups where the database has them (PostgreSQL `LISTEN/NOTIFY`): `listener`
   * hears `events` after another process appended to a run and `cancel` after a cancel request.
   * Absent → callers poll.
   */
  listen?(listener: (kind: 'events' | 'cancel', id: string) => void): Promise<() => Promise<void>>;
}

/**
 * The logging surface the store needs (pino-compatible: `logger.warn(obj, msg)` or
 * `logger.warn(msg)`), injected so the store never reaches for a global logger.
 */
export interface StoreLogger {
  warn(objOrMsg: unknown, msg?: string): void;
  info?(objOrMsg: unknown, msg?: string): void;
}
