/**
 * Redis read-through cache, as a decorator over any ResponseStore.
 *
 * What is cached, per response id (with TTL):
 * - `resp:<id>`: the response object (`get`, and the anchor of a hydration).
 * - `row:<id>`: `<parent id>\n<JSON array of the items this response added>` — one row per
 *   response, never a copy of its history, so the bytes cached grow linearly with a
 *   conversation. `getHistory` (the hot path of every continuation) walks the rows from the
 *   anchor to the root in ONE Lua script (one round trip) and concatenates them; a missing row
 *   anywhere is a miss. `put` writes its response's row in the background, so a conversation
 *   whose turns land within the TTL hydrates from Redis without touching the database; every
 *   hydration renews the TTL of the rows it read. After a miss (rows expired, Redis restarted),
 *   the history read from the database is cached as the anchor's row with an empty parent (a
 *   row that already holds the whole history), so the next turns add only their own rows again.
 *
 * Why this stays correct:
 * - A response's history is immutable once written. Deleting an ancestor does not change a
 *   descendant's history (the store keeps a deleted ancestor's items as a tombstone for its
 *   descendants), so descendants' cached histories stay valid and only the deleted id's own
 *   keys must go.
 * - `delete` writes a `del:<id>` marker and removes the keys in one MULTI, and every fill is a
 *   Lua script that refuses to write when the marker exists. So a read that loaded the object
 *   from the database just before the delete cannot put it back into Redis afterwards.
 * - If Redis is unreachable during a delete, the id is remembered and invalidated when Redis
 *   is back (in this process; entries otherwise expire with the TTL).
 *
 * Outage behaviour: every Redis call is bounded (`commandTimeout`, no offline queue, plus our
 * own timer as a backstop), a failure falls through to the database, and one warning is
 * logged per outage (re-armed after Redis answers again), never one per request.
 * `listInputItems` and `findItems` are not cached: they are rare and cheap on indexed tables.
 * Conversations are not cached either: they change with every append, and their reads are
 * single indexed queries; they pass straight to the database.
 *
 * Ownership: `resp:<id>` holds `<owner principal>\n<response JSON>`. Every read (`get`, and the
 * anchor of `getHistory`, which all hydration goes through) compares that owner with the
 * caller's principal and answers null on a mismatch without touching the database, exactly as
 * the database would answer, so cache state reveals nothing either. Rows (`row:<id>`) are only
 * reached through their anchor's `resp:` entry, so they need no owner of their own. Values of
 * any other shape (e.g. written before owners existed) are misses.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Item } from '../api/items.js';
import { itemsArrayJson } from './record-codec.js';
import type {
  ConversationHistory,
  ConversationRecord,
  ListConversationItemsOptions,
  InputItemsPage,
  ListInputItemsOptions,
  ResponseObject,
  ResponseStore,
  RunStore,
  StoreLogger,
  StoredResponseRecord,
} from './types.js';

export interface RedisCacheOptions {
  inner: ResponseStore;
  /** `redis://` URL, or host and port. */
  redis: string | { host: string; port: number };
  ttlSeconds: number;
  /** Prefix of every key, so several deployments (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** Upper bound of one Redis operation. Default 250 ms. */
  opTimeoutMs?: number;
  /** A response whose object plus row (serialised) is larger than this is not cached. Default 8 MiB. */
  maxEntryBytes?: number;
  logger?: StoreLogger;
}

/** Write a cache entry unless its id was deleted (marker in KEYS[2]). */
const FILL_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** `resp:` (KEYS[1]) and `row:` (KEYS[2]) of one id, unless it was deleted (marker in KEYS[3]). */
const FILL_PAIR_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
return 1`;

/**
 * A history from the rows: ARGV = prefix, anchor id, ttl, max depth. Returns false on a miss,
 * else { anchor's response JSON, anchor's items JSON, its parent's items JSON, …, root's }.
 * Keys are derived from the chain as it is walked (a standalone Redis, not a cluster).
 */
const HISTORY_SCRIPT = `
local prefix, id, ttl, maxDepth = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', prefix .. 'del:' .. id) == 1 then return false end
local resp = redis.call('GET', prefix .. 'resp:' .. id)
if not resp then return false end
local out = { resp }
local cur = id
while cur ~= '' do
  if #out > maxDepth then return false end
  local key = prefix .. 'row:' .. cur
  local row = redis.call('GET', key)
  if not row then return false end
  redis.call('EXPIRE', key, ttl)
  local nl = string.find(row, '\\n', 1, true)
  if not nl then return false end
  out[#out + 1] = string.sub(row, nl + 1)
  cur = string.sub(row, 1, nl - 1)
end
redis.call('EXPIRE', prefix .. 'resp:' .. id, ttl)
return out`;

/** Longest chain one hydration walks in Redis; deeper ones are read from the database. */
const MAX_CACHED_DEPTH = 10_000;

const MAX_PENDING_INVALIDATIONS = 10_000;

export class RedisCachedStore implements ResponseStore {
  readonly description: string;
  readonly system: string;
  readonly #inner: ResponseStore;
  readonly #redis: Redis;
  readonly #ttl: number;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #maxEntryBytes: number;
  readonly #logger: StoreLogger;
  /** True between the first failure of an outage and the next successful Redis call. */
  #degraded = false;
  readonly #background = new Set<Promise<unknown>>();
  /** Deletes whose invalidation could not reach Redis; retried when it is back. */
  readonly #pendingInvalidations = new Set<string>();

  constructor(opts: RedisCacheOptions) {
    this.#inner = opts.inner;
    this.system = opts.inner.system;
    this.#ttl = Math.max(1, Math.floor(opts.ttlSeconds));
    this.#prefix = opts.keyPrefix ?? 'vllm_responses:v1:';
    this.#timeoutMs = opts.opTimeoutMs ?? 250;
    this.#maxEntryBytes = opts.maxEntryBytes ?? 8 * 1024 * 1024;
    this.#logger = opts.logger ?? { warn: (o: unknown, m?: string) => console.warn(m ?? o, m ? o : '') };
    const options: RedisOptions = {
      lazyConnect: true,
      // Commands fail at once while disconnected instead of queueing behind a dead connection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.#timeoutMs,
      connectTimeout: Math.max(1000, this.#timeoutMs * 4),
      // Keep reconnecting in the background, slowly; requests never wait for it.
      retryStrategy: (times) => Math.min(100 * times, 2000),
    };
    this.#redis = typeof opts.redis === 'string' ? new Redis(opts.redis, options) : new Redis({ ...options, ...opts.redis });
    this.#redis.on('error', (err: unknown) => this.#failed(err));
    this.#redis.on('ready', () => this.#flushPendingInvalidations());
    const where = typeof opts.redis === 'string' ? redactUrl(opts.redis) : `${opts.redis.host}:${opts.redis.port}`;
    this.description = `${opts.inner.description} + redis cache ${where} (ttl ${this.#ttl}s)`;
  }

  async init(): Promise<void> {
    await this.#inner.init();
    // Give Redis a bounded moment to connect so the first requests can use it; an outage at
    // start-up is not an error (the ready event brings the cache in later).
    if (this.#redis.status !== 'wait') return; // already connecting or connected (init called twice)
    await withTimeout(this.#redis.connect(), this.#timeoutMs * 4).catch((err: unknown) => this.#failed(err));
  }

  async put(record: StoredResponseRecord): Promise<void> {
    await this.#inner.put(record);
    // Warming never delays the caller (the terminal SSE event waits on put).
    const encoded = record.encoded;
    const items = encoded ? itemsArrayJson(encoded) : JSON.stringify([...record.inputItems, ...record.outputItems]);
    const response = encoded ? ownedText(record.owner, encoded.responseJson) : ownedJson(record.owner, record.response);
    this.#track(this.#fillPair(record.id, response, record.parentId, items));
  }

  async get(id: string, principal: string): Promise<ResponseObject | null> {
    const hit = parseOwned<ResponseObject>(await this.#call((r) => r.get(this.#key('resp', id))));
    if (hit) return hit.owner === principal ? hit.value : null;
    const response = await this.#inner.get(id, principal);
    if (response) this.#track(this.#fill('resp', id, ownedJson(principal, response)));
    return response;
  }

  async getHistory(id: string, principal: string): Promise<ConversationHistory | null> {
    const cached = await this.#call(
      (r) => r.eval(HISTORY_SCRIPT, 0, this.#prefix, id, String(this.#ttl), String(MAX_CACHED_DEPTH)) as Promise<unknown>,
    );
    const hit = historyFromRows(cached);
    if (hit) return hit.owner === principal ? hit.history : null;
    const history = await this.#inner.getHistory(id, principal);
    // The anchor's row becomes a root row holding the whole history (see the header).
    if (history) this.#track(this.#fillPair(id, ownedJson(principal, history.response), null, JSON.stringify(history.items)));
    return history;
  }

  async delete(id: string, principal: string): Promise<boolean> {
    const deleted = await this.#inner.delete(id, principal);
    // Invalidate even when nothing was deleted here: another process may have deleted it and
    // failed to reach Redis. Awaited, so once delete returns no cache serves the id.
    if (!(await this.#invalidate(id))) this.#rememberInvalidation(id);
    return deleted;
  }

  /** Not cached: references to items outside the continuation chain are rare and cheap to read. */
  findItems(ids: readonly string[], principal: string): Promise<Map<string, Item>> {
    return this.#inner.findItems(ids, principal);
  }

  listInputItems(id: string, principal: string, opts: ListInputItemsOptions): Promise<InputItemsPage | null> {
    return this.#inner.listInputItems(id, principal, opts);
  }

  createConversation(record: ConversationRecord, items: Item[]): Promise<void> {
    return this.#inner.createConversation(record, items);
  }
  getConversation(id: string, owner: string): Promise<ConversationRecord | null> {
    return this.#inner.getConversation(id, owner);
  }
  updateConversation(id: string, owner: string, metadata: Record<string, string>): Promise<ConversationRecord | null> {
    return this.#inner.updateConversation(id, owner, metadata);
  }
  deleteConversation(id: string, owner: string): Promise<boolean> {
    return this.#inner.deleteConversation(id, owner);
  }
  appendConversationItems(id: string, owner: string, items: Item[]): Promise<boolean> {
    return this.#inner.appendConversationItems(id, owner, items);
  }
  listConversationItems(id: string, owner: string, opts: ListConversationItemsOptions): Promise<InputItemsPage | null> {
    return this.#inner.listConversationItems(id, owner, opts);
  }
  getConversationItems(id: string, owner: string): Promise<Item[] | null> {
    return this.#inner.getConversationItems(id, owner);
  }
  getConversationItem(id: string, owner: string, itemId: string): Promise<{ item: Item | null } | null> {
    return this.#inner.getConversationItem(id, owner, itemId);
  }
  deleteConversationItem(id: string, owner: string, itemId: string): Promise<{ deleted: boolean; conversation: ConversationRecord } | null> {
    return this.#inner.deleteConversationItem(id, owner, itemId);
  }

  /** Runs change many times a second while they live: never cached. */
  get runs(): RunStore {
    return this.#inner.runs;
  }

  /** Read once per process at start-up: never cached, the database is the one source. */
  getOrCreateSecret(name: string, create: () => string): Promise<string> {
    return this.#inner.getOrCreateSecret(name, create);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#background]);
    if (this.#redis.status === 'ready') await withTimeout(this.#redis.quit(), this.#timeoutMs).catch(() => undefined);
    this.#redis.disconnect();
    await this.#inner.close();
  }

  #key(kind: 'resp' | 'row' | 'del', id: string): string {
    return `${this.#prefix}${kind}:${id}`;
  }

  async #fill(kind: 'resp', id: string, json: string): Promise<void> {
    if (json.length > this.#maxEntryBytes) return;
    await this.#call((r) => r.eval(FILL_SCRIPT, 2, this.#key(kind, id), this.#key('del', id), json, String(this.#ttl)));
  }

  /** The response object and its row (`<parent>\n<items>`), together or not at all. */
  async #fillPair(id: string, responseJson: string, parentId: string | null, itemsJson: string): Promise<void> {
    if (responseJson.length + itemsJson.length > this.#maxEntryBytes) return;
    const row = `${parentId ?? ''}\n${itemsJson}`;
    await this.#call((r) =>
      r.eval(FILL_PAIR_SCRIPT, 3, this.#key('resp', id), this.#key('row', id), this.#key('del', id), responseJson, row, String(this.#ttl)),
    );
  }

  /** True when Redis acknowledged the invalidation. */
  async #invalidate(id: string): Promise<boolean> {
    const result = await this.#call((r) =>
      r
        .multi()
        // The marker outlives any entry a racing read could still be about to write.
        .set(this.#key('del', id), '1', 'EX', this.#ttl + 60)
        // The row stays: descendants' histories still contain this response's items.
        .del(this.#key('resp', id))
        .exec(),
    );
    return Array.isArray(result) && result.every(([err]) => err === null);
  }

  #rememberInvalidation(id: string): void {
    if (this.#pendingInvalidations.size < MAX_PENDING_INVALIDATIONS) this.#pendingInvalidations.add(id);
  }

  #flushPendingInvalidations(): void {
    const ids = [...this.#pendingInvalidations];
    this.#pendingInvalidations.clear();
    for (const id of ids) {
      this.#track(
        this.#invalidate(id).then((ok) => {
          if (!ok) this.#rememberInvalidation(id);
        }),
      );
    }
  }

  /** Run one bounded Redis call; undefined on any failure (the caller falls back to the database). */
  async #call<T>(op: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (this.#redis.status !== 'ready') {
      this.#failed(new Error(`redis connection is ${this.#redis.status}`));
      return undefined;
    }
    try {
      const value = await withTimeout(op(this.#redis), this.#timeoutMs);
      this.#recovered();
      return value;
    } catch (err) {
      this.#failed(err);
      return undefined;
    }
  }

  #failed(err: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'redis response cache unavailable; serving from the database until it is back',
    );
  }

  #recovered(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#logger.info?.({}, 'redis response cache is back');
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.#background.delete(tracked));
    this.#background.add(tracked);
  }
}

/** `resp:` values: the owner principal (never contains a newline), a newline, the JSON. */
function ownedJson(owner: string, value: unknown): string {
  return ownedText(owner, JSON.stringify(value));
}

function ownedText(owner: string, json: string): string {
  return `${owner}\n${json}`;
}

/** An owned value, or null (a miss) for anything else, e.g. a value from before owners. */
function parseOwned<T>(raw: string | null | undefined): { owner: string; value: T } | null {
  if (typeof raw !== 'string') return null;
  const nl = raw.indexOf('\n');
  if (nl <= 0 || raw[0] === '{') return null;
  const value = parseOrNull<T>(raw.slice(nl + 1));
  return value === null ? null : { owner: raw.slice(0, nl), value };
}

/** The history script's answer (anchor response, then item arrays anchor → root), or null. */
function historyFromRows(reply: unknown): { owner: string; history: ConversationHistory } | null {
  if (!Array.isArray(reply) || reply.length < 2 || !reply.every((x) => typeof x === 'string')) return null;
  const anchor = parseOwned<ResponseObject>(reply[0] as string);
  if (!anchor) return null;
  const response = anchor.value;
  const items: Item[] = [];
  for (let i = reply.length - 1; i >= 1; i--) {
    const own = parseOrNull<Item[]>(reply[i] as string);
    if (!Array.isArray(own)) return null;
    for (const item of own) items.push(item);
  }
  return { owner: anchor.owner, history: { response, items } };
}

function parseOrNull<T>(json: string | null | undefined): T | null {
  if (typeof json !== 'string') return null;
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis operation timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://…';
  }
}
