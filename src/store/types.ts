import type { Item } from '../api/items.js';

/** The stored response object exactly as the API returns it (`GET /v1/responses/{id}`). */
export type ResponseObject = Record<string, unknown> & { id: string; status: string };

export interface StoredResponseRecord {
  id: string;
  /** `previous_response_id` of this response, or null for the first turn of a conversation. */
  parentId: string | null;
  /** Only the items this request added as input (never the inherited history). */
  inputItems: Item[];
  /** The response's output items (also inside `response.output`). */
  outputItems: Item[];
  response: ResponseObject;
  /** Unix seconds. */
  createdAt: number;
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

/**
 * Persistence of terminal responses. Implementations: SQLite (default), PostgreSQL, and a Redis
 * read-through cache that decorates either. Every method is safe to call concurrently from
 * several processes.
 */
export interface ResponseStore {
  /** Human-readable backend name for the start-up summary, e.g. `sqlite:/path/to.db`. */
  readonly description: string;
  /** Create or migrate the schema; safe when several processes start at once. */
  init(): Promise<void>;
  /** Write one response with all its items atomically (all rows or none). */
  put(record: StoredResponseRecord): Promise<void>;
  /** The stored response object, or null when absent or deleted. */
  get(id: string): Promise<ResponseObject | null>;
  /** History for a continuation in one query; null when the anchor is absent or deleted. */
  getHistory(id: string): Promise<ConversationHistory | null>;
  /** True when something was deleted. Later get/getHistory/listInputItems of it return null. */
  delete(id: string): Promise<boolean>;
  /** Page through the response's own input items; null when the response is absent. */
  listInputItems(id: string, opts: ListInputItemsOptions): Promise<InputItemsPage | null>;
  /**
   * A named secret shared by every process using this store: the stored value, or `create()`'s
   * value inserted if absent. Concurrent first calls all return the one value that won.
   */
  getOrCreateSecret(name: string, create: () => string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The logging surface the store needs (pino-compatible: `logger.warn(obj, msg)` or
 * `logger.warn(msg)`), injected so the store never reaches for a global logger.
 */
export interface StoreLogger {
  warn(objOrMsg: unknown, msg?: string): void;
  info?(objOrMsg: unknown, msg?: string): void;
}
