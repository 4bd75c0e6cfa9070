/**
 * The default, embedded store: one SQLite file shared by every worker process on a machine.
 *
 * Multi-process safety comes from three layers: WAL mode (readers never block the writer),
 * every write in a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so a
 * transaction can never fail half-way on a lock upgrade), and waiting for another process's
 * lock without blocking the event loop: better-sqlite3 is synchronous, and its busy handler
 * sleeps inside the call, so it is given only a short slice (BUSY_SLICE_MS); past that the
 * statement fails with SQLITE_BUSY and is retried from a timer, with backoff, until the
 * store's lock timeout. While one worker waits for the file, its other requests keep flowing.
 *
 * Responses are group-committed (group-commit.ts): responses that finish close together share
 * one IMMEDIATE transaction (sqlite-batch-write.ts), and every `put` resolves only after that
 * transaction committed. Those transactions — a third of a stored response's CPU on the main
 * thread, plus any wait for another process's lock — run on the writer thread
 * (sqlite-writer.ts), with its own connection to the file; the main connection keeps the
 * reads, the rarer writes (deletes, conversations, background runs, secrets) and batches of a
 * single record (see #commitBatch). A `:memory:` database cannot be opened twice, so it writes
 * every batch on the main connection. Statements are
 * prepared once per connection.
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { DbTarget, StoreBackend } from './backend.js';
import { inputItemsQueryParts } from './input-items-query.js';
import { GroupCommit } from './group-commit.js';
import { migrateSqlite } from './migrations.js';
import { SqliteConversations } from './sqlite-conversations.js';
import { SqliteRunStore } from './sqlite-runs.js';
import { ANCHOR_ROW_SEQ, decodeHistory, encodeRecord, isImpossibleId, type EncodedRecord } from './record-codec.js';
import { createBatchWrite, type BatchWrite } from './sqlite-batch-write.js';
import { withBusyRetry } from './sqlite-busy.js';
import { SqliteWriter } from './sqlite-writer.js';
import { noteWrites } from './sqlite-checkpointer.js';
import { applyWalPolicy, DEFAULT_WAL_POLICY, type WalPolicy } from './sqlite-wal.js';
import type {
  ConversationHistory,
  ConversationRecord,
  ListConversationItemsOptions,
  InputItemsPage,
  ListInputItemsOptions,
  ResponseObject,
  ResponseStore,
  StoredResponseRecord,
  StoreLogger,
} from './types.js';
import type { Item } from '../api/items.js';

export interface SqliteStoreOptions {
  /** Filesystem path of the database file (or `:memory:`). */
  path: string;
  /**
   * How long an operation may wait in total for another process's lock before it fails with
   * SQLITE_BUSY. Default 5000. The event loop is blocked for at most BUSY_SLICE_MS at a time.
   */
  busyTimeoutMs?: number;
  /** Most responses written in one group-commit transaction. Default 256. */
  maxBatch?: number;
  /** Where a death of the writer thread is reported. */
  logger?: StoreLogger;
  /** Who checkpoints the WAL and when (sqlite-wal.ts). Default DEFAULT_WAL_POLICY. */
  wal?: Partial<WalPolicy>;
}

/** The longest better-sqlite3's (synchronous) busy handler may hold the event loop per attempt. */
export const BUSY_SLICE_MS = 10;

/**
 * Root → anchor in one statement. The anchor must be live; ancestors may be tombstones (their
 * items still belong to this history). The anchor's response object rides along as one extra
 * row with seq = ANCHOR_ROW_SEQ, sorted just before the anchor's own items.
 */
const HISTORY_SQL = `
  WITH RECURSIVE chain(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM responses WHERE id = @id AND owner = @owner AND deleted_at IS NULL
    UNION ALL
    SELECT r.id, r.parent_id, chain.depth + 1 FROM responses r JOIN chain ON r.id = chain.parent_id
  )
  SELECT depth, ${ANCHOR_ROW_SEQ} AS seq, response_json AS json
    FROM responses JOIN chain USING (id) WHERE depth = 0
  UNION ALL
  SELECT chain.depth, i.seq, i.item_json FROM chain JOIN response_items i ON i.response_id = chain.id
  ORDER BY depth DESC, seq ASC`;

interface ResponseRow {
  parent_id: string | null;
  deleted_at: number | null;
  owner: string;
}

/** Prepared once per connection: preparing is not free and these run on every request. */
function prepareStatements(db: Database.Database) {
  return {
    live: db.prepare('SELECT 1 FROM responses WHERE id = ? AND owner = ? AND deleted_at IS NULL').pluck(),
    find: db.prepare('SELECT parent_id, deleted_at, owner FROM responses WHERE id = ?'),
    responseJson: db
      .prepare('SELECT response_json FROM responses WHERE id = ? AND owner = ? AND deleted_at IS NULL')
      .pluck(),
    hasChildren: db.prepare('SELECT 1 FROM responses WHERE parent_id = ? LIMIT 1').pluck(),
    tombstone: db.prepare('UPDATE responses SET deleted_at = ?, response_json = NULL WHERE id = ?'),
    removeItems: db.prepare('DELETE FROM response_items WHERE response_id = ?'),
    removeResponse: db.prepare('DELETE FROM responses WHERE id = ?'),
    history: db.prepare(HISTORY_SQL).raw(),
    // Oldest first, so the newest copy of an id is the one kept.
    findItems: db.prepare(
      `SELECT i.item_id, i.item_json FROM response_items i JOIN responses r ON r.id = i.response_id
        WHERE i.item_id IN (SELECT value FROM json_each(?)) AND r.owner = ? AND r.deleted_at IS NULL
        ORDER BY r.created_at, i.seq`,
    ).raw(),
    insertSecret: db.prepare('INSERT OR IGNORE INTO gateway_secrets (name, value, created_at) VALUES (?, ?, ?)'),
    secret: db.prepare('SELECT value FROM gateway_secrets WHERE name = ?').pluck(),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

export class SqliteResponseStore implements ResponseStore {
  readonly description: string;
  readonly system = sqliteBackend.system;
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #logger: StoreLogger | undefined;
  #db: Database.Database | null = null;
  #stmts: Statements | null = null;
  #conversations: SqliteConversations | null = null;
  /** The batch write on the main connection: `:memory:`, and single-record batches. */
  #inlineWrite: BatchWrite | null = null;
  /** The writer thread (not for `:memory:`). */
  #writer: SqliteWriter | null = null;
  readonly #writes: GroupCommit<EncodedRecord>;
  readonly #listStatements = new Map<string, Database.Statement>();
  readonly #wal: WalPolicy;
  /** Writes on either thread, shared with the writer thread, which checkpoints by this count. */
  readonly #writeCount = new Int32Array(new SharedArrayBuffer(4));
  readonly #runs = new SqliteRunStore((fn) => this.#write(fn));

  constructor(opts: SqliteStoreOptions) {
    this.#path = opts.path === ':memory:' ? opts.path : resolve(opts.path);
    this.#busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
    this.#logger = opts.logger;
    this.#wal = { ...DEFAULT_WAL_POLICY, ...opts.wal };
    this.description = `sqlite:${this.#path}`;
    // One writer per connection: SQLite serialises writers anyway, and while a batch waits for
    // another process's lock the next one fills up.
    this.#writes = new GroupCommit((batch) => this.#commitBatch(batch), {
      maxBatch: opts.maxBatch ?? 256,
      maxInFlight: 1,
    });
  }

  async init(): Promise<void> {
    if (this.#db) return;
    // `timeout` installs the busy handler before the first statement, including the pragmas.
    const db = new Database(this.#path, { timeout: Math.min(BUSY_SLICE_MS, this.#busyTimeoutMs) });
    let writer: SqliteWriter | null = null;
    try {
      await this.#retry(() => db.pragma('journal_mode = WAL'));
      // NORMAL in WAL mode: a killed process loses nothing that committed; only an OS crash or
      // power loss can drop the last transactions, and never corrupts the file.
      db.pragma('synchronous = NORMAL');
      applyWalPolicy(db, this.#wal);
      await this.#retry(() => migrateSqlite(db));
      if (this.#path !== ':memory:') {
        // After the migrations: the thread's connection expects the schema in place.
        writer = new SqliteWriter(
          { path: this.#path, busyTimeoutMs: this.#busyTimeoutMs, wal: this.#wal, writes: this.#writeCount.buffer as SharedArrayBuffer },
          this.#logger,
        );
        await writer.start();
      }
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
    this.#stmts = prepareStatements(db);
    this.#inlineWrite = createBatchWrite(db);
    this.#writer = writer;
    this.#conversations = new SqliteConversations(db, (fn) => this.#write(() => db.transaction(fn).immediate()));
    this.#runs.attach(db);
  }

  #conv(): SqliteConversations {
    if (!this.#conversations) throw new Error('SqliteResponseStore used before init() or after close()');
    return this.#conversations;
  }

  createConversation(record: ConversationRecord, items: Item[]): Promise<void> {
    return this.#conv().createConversation(record, items);
  }
  getConversation(id: string, owner: string): Promise<ConversationRecord | null> {
    return this.#conv().getConversation(id, owner);
  }
  updateConversation(id: string, owner: string, metadata: Record<string, string>): Promise<ConversationRecord | null> {
    return this.#conv().updateConversation(id, owner, metadata);
  }
  deleteConversation(id: string, owner: string): Promise<boolean> {
    return this.#conv().deleteConversation(id, owner);
  }
  appendConversationItems(id: string, owner: string, items: Item[]): Promise<boolean> {
    return this.#conv().appendConversationItems(id, owner, items);
  }
  listConversationItems(id: string, owner: string, opts: ListConversationItemsOptions): Promise<InputItemsPage | null> {
    return this.#conv().listConversationItems(id, owner, opts);
  }
  getConversationItems(id: string, owner: string): Promise<Item[] | null> {
    return this.#conv().getConversationItems(id, owner);
  }
  getConversationItem(id: string, owner: string, itemId: string): Promise<{ item: Item | null } | null> {
    return this.#conv().getConversationItem(id, owner, itemId);
  }
  deleteConversationItem(id: string, owner: string, itemId: string): Promise<{ deleted: boolean; conversation: ConversationRecord } | null> {
    return this.#conv().deleteConversationItem(id, owner, itemId);
  }

  get runs(): SqliteRunStore {
    return this.#runs;
  }

  #open(): { db: Database.Database; st: Statements } {
    if (!this.#db || !this.#stmts) throw new Error('SqliteResponseStore used before init() or after close()');
    return { db: this.#db, st: this.#stmts };
  }

  #retry<T>(fn: () => T): Promise<T> {
    return withBusyRetry(fn, this.#busyTimeoutMs);
  }

  /** A write on the main connection: counted for the writer thread's checkpoints. */
  async #write<T>(fn: () => T, writes = 1): Promise<T> {
    const result = await this.#retry(fn);
    noteWrites(this.#writeCount, writes);
    return result;
  }

  /**
   * A batch of one — the store is not busy: at concurrency 1 every batch — is written on the
   * main connection: its transaction costs the event loop less than the two thread hand-offs
   * cost the response in latency, and the loop has time to spare. Batches of several, which
   * is what load makes, go to the writer thread.
   */
  #commitBatch(records: readonly EncodedRecord[]): Promise<readonly (Error | null)[]> {
    const inline = this.#inlineWrite;
    if (!inline) return Promise.reject(new Error('SqliteResponseStore used before init() or after close()'));
    if (this.#writer && records.length > 1) return this.#writer.commit(records);
    return this.#write(() => inline(records), records.length);
  }

  async put(record: StoredResponseRecord): Promise<void> {
    this.#open();
    // Serialised before the transaction opens, so the write lock is held only for the inserts.
    await this.#writes.submit(encodeRecord(record));
  }

  async get(id: string, principal: string): Promise<ResponseObject | null> {
    if (isImpossibleId(id)) return null;
    const { st } = this.#open();
    const json = (await this.#retry(() => st.responseJson.get(id, principal))) as string | null | undefined;
    return typeof json === 'string' ? (JSON.parse(json) as ResponseObject) : null;
  }

  async getHistory(id: string, principal: string): Promise<ConversationHistory | null> {
    if (isImpossibleId(id)) return null;
    const { st } = this.#open();
    // Columns: depth, seq, json.
    return decodeHistory((await this.#retry(() => st.history.all({ id, owner: principal }))) as unknown[][], 1, 2);
  }

  async findItems(ids: readonly string[], principal: string): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    const wanted = ids.filter((id) => !isImpossibleId(id));
    if (wanted.length === 0) return out;
    for (const [id, json] of this.#open().st.findItems.all(JSON.stringify(wanted), principal) as [string, string][]) out.set(id, JSON.parse(json) as Item);
    return out;
  }

  async delete(id: string, principal: string): Promise<boolean> {
    if (isImpossibleId(id)) return false;
    const { db, st } = this.#open();
    const { find, hasChildren, tombstone } = st;
    const remove = (rid: string): void => {
      st.removeItems.run(rid);
      st.removeResponse.run(rid);
    };
    const run = db.transaction((): boolean => {
      const row = find.get(id) as ResponseRow | undefined;
      // Another principal's response is "not found", exactly like an absent one.
      if (!row || row.deleted_at !== null || row.owner !== principal) return false;
      if (hasChildren.get(id) !== undefined) {
        // Descendants replay this response's items: keep them, hide the response.
        tombstone.run(Math.floor(Date.now() / 1000), id);
        return true;
      }
      remove(id);
      // Tombstoned ancestors that just lost their last descendant are no longer needed.
      let parentId = row.parent_id;
      while (parentId !== null) {
        const parent = find.get(parentId) as ResponseRow | undefined;
        if (!parent || parent.deleted_at === null || hasChildren.get(parentId) !== undefined) break;
        remove(parentId);
        parentId = parent.parent_id;
      }
      return true;
    });
    return this.#write(() => run.immediate());
  }

  async listInputItems(id: string, principal: string, opts: ListInputItemsOptions): Promise<InputItemsPage | null> {
    if (isImpossibleId(id)) return null;
    const { db, st } = this.#open();
    const parts = inputItemsQueryParts(opts);
    const key = `${parts.direction}:${opts.after !== undefined}:${opts.before !== undefined}`;
    let stmt = this.#listStatements.get(key);
    if (!stmt) {
      const cursor = (name: string): string =>
        `(SELECT seq FROM response_items WHERE response_id = @id AND is_output = 0 AND item_id = @${name} ORDER BY seq LIMIT 1)`;
      const where = parts.conditions.map((c) => ` AND ${c(cursor)}`).join('');
      stmt = db
        .prepare(
          `SELECT item_json FROM response_items WHERE response_id = @id AND is_output = 0${where}
           ORDER BY seq ${parts.direction} LIMIT @fetch`,
        )
        .pluck();
      this.#listStatements.set(key, stmt);
    }
    const listStmt = stmt;
    const params: Record<string, string | number> = { id, fetch: parts.fetch };
    for (const c of parts.cursors) params[c.name] = c.itemId;
    // One read transaction: the existence check and the page come from the same snapshot.
    const read = db.transaction((): string[] | null => {
      if (st.live.get(id, principal) === undefined) return null;
      return listStmt.all(params) as string[];
    });
    const rows = await this.#retry(() => read());
    if (rows === null) return null;
    return {
      data: rows.slice(0, parts.limit).map((json) => JSON.parse(json) as Item),
      hasMore: rows.length > parts.limit,
    };
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    const { db, st } = this.#open();
    const run = db.transaction((): string => {
      st.insertSecret.run(name, create(), Math.floor(Date.now() / 1000));
      return st.secret.get(name) as string;
    });
    return this.#write(() => run.immediate());
  }

  async close(): Promise<void> {
    await this.#writes.drained();
    const writer = this.#writer;
    this.#writer = null;
    this.#inlineWrite = null;
    await writer?.close();
    this.#runs.attach(null);
    this.#db?.close();
    this.#db = null;
    this.#stmts = null;
    this.#conversations = null;
    this.#listStatements.clear();
  }
}

export interface SqliteTarget extends DbTarget {
  kind: 'sqlite';
  path: string;
}

/** The default backend: plain paths and `sqlite://` URLs (SQLAlchemy's reading of slashes). */
export const sqliteBackend: StoreBackend = {
  kind: 'sqlite',
  system: 'sqlite',
  schemes: ['sqlite', 'sqlite+aiosqlite'],
  forms: 'sqlite+aiosqlite:///path.db, sqlite:///path.db (four slashes for an absolute path), a plain file path',
  plainPaths: true,
  parse(rest, scheme): SqliteTarget {
    if (scheme === null) return { kind: 'sqlite', path: rest };
    // SQLAlchemy: `sqlite://` + `/` + database, so what follows the third slash is the path.
    if (!rest.startsWith('/') || rest.length === 1) {
      throw new Error('a SQLite URL needs a file after three slashes (e.g. sqlite:///vllm_responses.db)');
    }
    // Query options (SQLAlchemy driver arguments) have no meaning here.
    return { kind: 'sqlite', path: rest.slice(1).split('?')[0] ?? '' };
  },
  open: (target, opts) =>
    new SqliteResponseStore({ path: (target as SqliteTarget).path, busyTimeoutMs: opts.sqliteLockTimeoutMs, logger: opts.logger, wal: opts.sqliteWal }),
};
