/**
 * PostgreSQL store for multi-machine deployments, on a `pg` Pool.
 *
 * Writes are group-committed (group-commit.ts): the responses that finish while earlier
 * writes are in flight go to the database together as ONE statement (data-modifying CTEs over
 * arrays run as one implicit transaction): one round trip and one commit (one WAL flush) for the
 * batch, and each `put` resolves after that commit. Each parent row is read `FOR SHARE`, which
 * makes a concurrent `delete` of the parent wait for this write (and then see the new child and
 * tombstone instead of removing), or makes this write see the parent gone and refuse that
 * record only. If the batch statement fails as a whole (e.g. a duplicate id), its records are
 * written one by one, so one bad record never fails its neighbours. The hot statements are
 * named, so each pooled connection prepares them once.
 */
import pg from 'pg';
import type { DbTarget, StoreBackend } from './backend.js';
import type { Item } from '../api/items.js';
import { ParentNotFoundError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { inputItemsQueryParts, type CursorName } from './input-items-query.js';
import { migratePostgres, quoteIdent } from './migrations.js';
import { PostgresConversations } from './postgres-conversations.js';
import { PostgresRunStore } from './postgres-runs.js';
import { ANCHOR_ROW_SEQ, decodeHistory, encodeRecord, isImpossibleId, type EncodedRecord } from './record-codec.js';
import type {
  ConversationHistory,
  ConversationRecord,
  ListConversationItemsOptions,
  InputItemsPage,
  ListInputItemsOptions,
  ResponseObject,
  ResponseStore,
  StoreLogger,
  StoredResponseRecord,
} from './types.js';

export interface PostgresStoreOptions {
  /** A `postgresql://` / `postgres://` connection string. */
  connectionString: string;
  /** Keep the tables in this schema (created on init) instead of the connection's search_path. */
  schema?: string;
  /** Pool size per process. Default 10. */
  poolSize?: number;
  /** Most responses written in one group-commit statement. Default 256. */
  maxBatch?: number;
  logger?: StoreLogger;
}

export class PostgresResponseStore implements ResponseStore {
  readonly description: string;
  readonly system = postgresBackend.system;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;
  readonly #sql: ReturnType<typeof buildSql>;
  readonly #conversations: PostgresConversations;
  readonly runs: PostgresRunStore;
  readonly #writes: GroupCommit<EncodedRecord>;

  constructor(opts: PostgresStoreOptions) {
    this.#schema = opts.schema;
    const t = opts.schema ? `${quoteIdent(opts.schema)}.` : '';
    this.#sql = buildSql(t);
    const poolSize = opts.poolSize ?? 10;
    this.#pool = new pg.Pool({ connectionString: opts.connectionString, max: poolSize });
    this.#conversations = new PostgresConversations(this.#pool, t);
    // A few batches in flight at once (each holds one pooled connection; reads keep the rest).
    this.#writes = new GroupCommit((batch) => this.#writeBatch(batch), {
      maxBatch: opts.maxBatch ?? 256,
      maxInFlight: Math.max(1, Math.floor(poolSize / 3)),
    });
    const logger = opts.logger ?? { warn: (o: unknown, m?: string) => console.warn(m ?? o, m ? o : '') };
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.#pool.on('error', (err) => logger.warn({ err }, 'postgres pool client error'));
    this.runs = new PostgresRunStore(this.#pool, opts.connectionString, opts.schema, t, logger);
    this.description = `postgresql:${redact(opts.connectionString)}${opts.schema ? ` (schema ${opts.schema})` : ''}`;
  }

  async init(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await migratePostgres(client, this.#schema);
    } finally {
      client.release();
    }
  }

  async put(record: StoredResponseRecord): Promise<void> {
    await this.#writes.submit(encodeRecord(record));
  }

  /**
   * One statement per layer of the batch. A record whose parent is in the same batch waits for
   * a later layer: the CTE's parent check cannot see rows inserted by the same statement.
   */
  async #writeBatch(batch: readonly EncodedRecord[]): Promise<(Error | null)[]> {
    const results = new Map<EncodedRecord, Error | null>();
    let pending = batch;
    while (pending.length) {
      const ids = new Set(pending.map((r) => r.id));
      const now = pending.filter((r) => r.parentId === null || !ids.has(r.parentId));
      const layer = now.length ? now : pending; // a cycle cannot occur (ids are unique), but never spin
      pending = pending.filter((r) => !layer.includes(r));
      const errors = await this.#writeLayer(layer);
      layer.forEach((r, i) => results.set(r, errors[i] ?? null));
    }
    return batch.map((r) => results.get(r) ?? null);
  }

  async #writeLayer(layer: readonly EncodedRecord[]): Promise<(Error | null)[]> {
    try {
      const inserted = await this.#insert(layer);
      return layer.map((r) => (inserted.has(r.id) ? null : new ParentNotFoundError(r.parentId ?? '')));
    } catch (err) {
      if (layer.length === 1) return [err instanceof Error ? err : new Error(String(err))];
      // Something in the batch is bad (or the connection failed): isolate it, record by record.
      return Promise.all(
        layer.map((r) => this.#insert([r]).then(
          (inserted) => (inserted.has(r.id) ? null : new ParentNotFoundError(r.parentId ?? '')),
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        )),
      );
    }
  }

  /** Inserts the records whose parent exists (or that have none); returns their ids. */
  async #insert(records: readonly EncodedRecord[]): Promise<Set<string>> {
    const items = records.flatMap((r) => r.items.map((i) => ({ id: r.id, ...i })));
    const { rows } = await this.#pool.query<[string]>({
      name: 'vr_put_batch',
      text: this.#sql.put,
      rowMode: 'array',
      values: [
        records.map((r) => r.id),
        records.map((r) => r.parentId),
        records.map((r) => r.responseJson),
        records.map((r) => r.createdAt),
        items.map((i) => i.id),
        items.map((i) => i.seq),
        items.map((i) => i.isOutput),
        items.map((i) => i.itemId),
        items.map((i) => i.json),
        records.map((r) => r.owner),
      ],
    });
    return new Set(rows.map((r) => r[0]));
  }

  async get(id: string, principal: string): Promise<ResponseObject | null> {
    if (isImpossibleId(id)) return null;
    const { rows } = await this.#pool.query<{ response_json: string | null }>({ name: 'vr_get', text: this.#sql.get, values: [id, principal] });
    const json = rows[0]?.response_json;
    return typeof json === 'string' ? (JSON.parse(json) as ResponseObject) : null;
  }

  async getHistory(id: string, principal: string): Promise<ConversationHistory | null> {
    if (isImpossibleId(id)) return null;
    const { rows } = await this.#pool.query<[number, string]>({ name: 'vr_history', text: this.#sql.history, values: [id, principal], rowMode: 'array' });
    return decodeHistory(rows, 0, 1);
  }

  async findItems(ids: readonly string[], principal: string): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    const wanted = ids.filter((id) => !isImpossibleId(id));
    if (wanted.length === 0) return out;
    const { rows } = await this.#pool.query<{ item_id: string; item_json: string }>(this.#sql.findItems, [wanted, principal]);
    for (const row of rows) out.set(row.item_id, JSON.parse(row.item_json) as Item);
    return out;
  }

  async delete(id: string, principal: string): Promise<boolean> {
    if (isImpossibleId(id)) return false;
    const client = await this.#pool.connect();
    const sql = this.#sql;
    try {
      await client.query('BEGIN');
      // Row locks (parent before its children's checks) serialise this against concurrent puts
      // of children and concurrent deletes of siblings, so no tombstone is left orphaned.
      const { rows } = await client.query<{ parent_id: string | null; deleted_at: string | null; owner: string }>(sql.lock, [id]);
      const row = rows[0];
      let deleted = false;
      // Another principal's response is "not found", exactly like an absent one.
      if (row && row.deleted_at === null && row.owner === principal) {
        deleted = true;
        if ((await client.query(sql.hasChildren, [id])).rowCount) {
          await client.query(sql.tombstone, [Math.floor(Date.now() / 1000), id]);
        } else {
          await client.query(sql.remove, [id]);
          let parentId = row.parent_id;
          while (parentId !== null) {
            const parent = (await client.query<{ parent_id: string | null; deleted_at: string | null }>(sql.lock, [parentId])).rows[0];
            if (!parent || parent.deleted_at === null || (await client.query(sql.hasChildren, [parentId])).rowCount) break;
            await client.query(sql.remove, [parentId]);
            parentId = parent.parent_id;
          }
        }
      }
      await client.query('COMMIT');
      return deleted;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async listInputItems(id: string, principal: string, opts: ListInputItemsOptions): Promise<InputItemsPage | null> {
    if (isImpossibleId(id)) return null;
    const parts = inputItemsQueryParts(opts);
    const values: (string | number)[] = [id, parts.fetch, principal];
    const placeholder = new Map<CursorName, string>();
    for (const c of parts.cursors) {
      values.push(isImpossibleId(c.itemId) ? '' : c.itemId);
      placeholder.set(c.name, `$${values.length}`);
    }
    const cursor = (name: CursorName): string =>
      `(SELECT seq FROM ${this.#sql.t}response_items WHERE response_id = $1 AND NOT is_output AND item_id = ${placeholder.get(name)} ORDER BY seq LIMIT 1)`;
    const where = parts.conditions.map((c) => ` AND ${c(cursor)}`).join('');
    // The LEFT JOIN yields one row with NULL json for a live response with no page, and no row
    // at all for an absent one: existence and page in one query and one snapshot.
    const { rows } = await this.#pool.query<{ item_json: string | null }>(
      `SELECT page.item_json FROM ${this.#sql.t}responses r
       LEFT JOIN LATERAL (
         SELECT item_json, seq FROM ${this.#sql.t}response_items
          WHERE response_id = $1 AND NOT is_output${where}
          ORDER BY seq ${parts.direction} LIMIT $2
       ) page ON TRUE
       WHERE r.id = $1 AND r.owner = $3 AND r.deleted_at IS NULL
       ORDER BY page.seq ${parts.direction}`,
      values,
    );
    if (rows.length === 0) return null;
    const items = rows.flatMap((r) => (r.item_json === null ? [] : [JSON.parse(r.item_json) as Item]));
    return { data: items.slice(0, parts.limit), hasMore: items.length > parts.limit };
  }

  async getOrCreateSecret(name: string, create: () => string): Promise<string> {
    // ON CONFLICT DO NOTHING waits for a concurrent inserter's commit, then the SELECT sees it.
    await this.#pool.query(this.#sql.insertSecret, [name, create(), Math.floor(Date.now() / 1000)]);
    const { rows } = await this.#pool.query<{ value: string }>(this.#sql.secret, [name]);
    if (!rows[0]) throw new Error(`secret ${name} vanished after insert`);
    return rows[0].value;
  }

  createConversation(record: ConversationRecord, items: Item[]): Promise<void> {
    return this.#conversations.createConversation(record, items);
  }
  getConversation(id: string, owner: string): Promise<ConversationRecord | null> {
    return this.#conversations.getConversation(id, owner);
  }
  updateConversation(id: string, owner: string, metadata: Record<string, string>): Promise<ConversationRecord | null> {
    return this.#conversations.updateConversation(id, owner, metadata);
  }
  deleteConversation(id: string, owner: string): Promise<boolean> {
    return this.#conversations.deleteConversation(id, owner);
  }
  appendConversationItems(id: string, owner: string, items: Item[]): Promise<boolean> {
    return this.#conversations.appendConversationItems(id, owner, items);
  }
  listConversationItems(id: string, owner: string, opts: ListConversationItemsOptions): Promise<InputItemsPage | null> {
    return this.#conversations.listConversationItems(id, owner, opts);
  }
  getConversationItems(id: string, owner: string): Promise<Item[] | null> {
    return this.#conversations.getConversationItems(id, owner);
  }
  getConversationItem(id: string, owner: string, itemId: string): Promise<{ item: Item | null } | null> {
    return this.#conversations.getConversationItem(id, owner, itemId);
  }
  deleteConversationItem(id: string, owner: string, itemId: string): Promise<{ deleted: boolean; conversation: ConversationRecord } | null> {
    return this.#conversations.deleteConversationItem(id, owner, itemId);
  }

  async close(): Promise<void> {
    await this.#writes.drained();
    await this.#pool.end();
  }
}

export interface PostgresTarget extends DbTarget {
  kind: 'postgres';
  connectionString: string;
}

export const postgresBackend: StoreBackend = {
  kind: 'postgres',
  system: 'postgresql',
  // The driver suffix of SQLAlchemy URLs is dropped: `pg` speaks the protocol itself.
  schemes: ['postgresql', 'postgres', 'postgresql+asyncpg'],
  forms: 'postgresql+asyncpg://user:pass@host:5432/db, postgresql://… or postgres://…',
  parse: (rest): PostgresTarget => ({ kind: 'postgres', connectionString: `postgresql://${rest}` }),
  open: (target, opts) =>
    new PostgresResponseStore({
      connectionString: (target as PostgresTarget).connectionString,
      schema: opts.schema,
      logger: opts.logger,
    }),
};

function buildSql(t: string) {
  return {
    t,
    // A batch of records ($1–$4 and $10 the owners, one array element each) and all their items ($5–$9). Records
    // whose parent is missing are skipped (their ids are not returned) and so are their items.
    put: `
      WITH recs AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $10::text[]) AS r(id, parent_id, response_json, created_at, owner)
      ), parents AS (
        SELECT p.id, p.owner FROM ${t}responses p
         WHERE p.id IN (SELECT parent_id FROM recs WHERE parent_id IS NOT NULL) FOR SHARE
      ), ins AS (
        INSERT INTO ${t}responses (id, parent_id, owner, response_json, created_at)
        SELECT r.id, r.parent_id, r.owner, r.response_json, r.created_at FROM recs r
         -- The parent must be the same owner's (prepare already checked; this is the last line).
         WHERE r.parent_id IS NULL OR EXISTS (SELECT 1 FROM parents p WHERE p.id = r.parent_id AND p.owner = r.owner)
        RETURNING id
      ), items AS (
        INSERT INTO ${t}response_items (response_id, seq, is_output, item_id, item_json)
        SELECT x.response_id, x.seq, x.is_output, x.item_id, x.item_json
          FROM unnest($5::text[], $6::int[], $7::bool[], $8::text[], $9::text[]) AS x(response_id, seq, is_output, item_id, item_json)
         WHERE x.response_id IN (SELECT id FROM ins)
        RETURNING 1
      )
      SELECT id FROM ins`,
    get: `SELECT response_json FROM ${t}responses WHERE id = $1 AND owner = $2 AND deleted_at IS NULL`,
    // Same shape as the SQLite query: root → anchor, the anchor's object as one marker row.
    history: `
      WITH RECURSIVE chain(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM ${t}responses WHERE id = $1 AND owner = $2 AND deleted_at IS NULL
        UNION ALL
        SELECT r.id, r.parent_id, chain.depth + 1 FROM ${t}responses r JOIN chain ON r.id = chain.parent_id
      )
      SELECT seq, json FROM (
        SELECT 0 AS depth, ${ANCHOR_ROW_SEQ} AS seq, r.response_json AS json
          FROM ${t}responses r JOIN chain USING (id) WHERE chain.depth = 0
        UNION ALL
        SELECT chain.depth, i.seq, i.item_json FROM chain JOIN ${t}response_items i ON i.response_id = chain.id
      ) rows
      ORDER BY depth DESC, seq ASC`,
    // Oldest first, so the newest copy of an id is the one kept.
    findItems: `SELECT i.item_id, i.item_json FROM ${t}response_items i JOIN ${t}responses r ON r.id = i.response_id
                 WHERE i.item_id = ANY($1::text[]) AND r.owner = $2 AND r.deleted_at IS NULL
                 ORDER BY r.created_at, i.seq`,
    lock: `SELECT parent_id, deleted_at, owner FROM ${t}responses WHERE id = $1 FOR UPDATE`,
    hasChildren: `SELECT 1 FROM ${t}responses WHERE parent_id = $1 LIMIT 1`,
    tombstone: `UPDATE ${t}responses SET deleted_at = $1, response_json = NULL WHERE id = $2`,
    insertSecret: `INSERT INTO ${t}gateway_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
    secret: `SELECT value FROM ${t}gateway_secrets WHERE name = $1`,
    remove: `WITH gone AS (DELETE FROM ${t}response_items WHERE response_id = $1)
             DELETE FROM ${t}responses WHERE id = $1`,
  };
}

/** Never print a password in the start-up summary. */
function redact(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgresql://…';
  }
}
