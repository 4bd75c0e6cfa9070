/**
 * The Conversations API on PostgreSQL. An append is one statement: it advances the
 * conversation row's `next_seq` (which takes the row lock, so concurrent appends from any
 * number of processes or machines queue on it) and inserts the items after the old value.
 * A unique-key violation (an item id the conversation already has) rolls the whole statement
 * back. Reads check existence and owner in the same query, so one snapshot answers both.
 */
import type pg from 'pg';
import type { Item } from '../api/items.js';
import { DuplicateConversationItemError } from './errors.js';
import { inputItemsQueryParts } from './input-items-query.js';
import { isImpossibleId } from './record-codec.js';
import type { ConversationRecord, ConversationStore, InputItemsPage, ListConversationItemsOptions } from './types.js';

interface ConversationRow {
  id: string;
  owner: string;
  metadata_json: string;
  created_at: string | number;
}

function toRecord(row: ConversationRow): ConversationRecord {
  return { id: row.id, owner: row.owner, metadata: JSON.parse(row.metadata_json) as Record<string, string>, createdAt: Number(row.created_at) };
}

function encodeItems(items: Item[]): [string[], string[]] {
  return [items.map((i) => (i as { id: string }).id), items.map((i) => JSON.stringify(i))];
}

/** 23505 unique_violation on the item-id index: the id is named in the detail. */
function duplicateOf(err: unknown): DuplicateConversationItemError | null {
  const e = err as { code?: string; detail?: string };
  if (e.code !== '23505') return null;
  const m = /=\([^,]*, (.*)\)/.exec(e.detail ?? '');
  return new DuplicateConversationItemError(m?.[1] ?? '');
}

export class PostgresConversations implements ConversationStore {
  readonly #pool: pg.Pool;
  readonly #t: string;

  /** `t` is the quoted schema prefix (`"schema".`) or empty. */
  constructor(pool: pg.Pool, t: string) {
    this.#pool = pool;
    this.#t = t;
  }

  async #run<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<T>> {
    try {
      return await this.#pool.query<T>(text, values);
    } catch (err) {
      throw duplicateOf(err) ?? err;
    }
  }

  async createConversation(record: ConversationRecord, items: Item[]): Promise<void> {
    const t = this.#t;
    const [ids, jsons] = encodeItems(items);
    await this.#run(
      `WITH c AS (
         INSERT INTO ${t}conversations (id, owner, metadata_json, created_at, next_seq) VALUES ($1, $2, $3, $4, $5) RETURNING id
       )
       INSERT INTO ${t}conversation_items (conversation_id, seq, item_id, item_json, created_at)
       SELECT c.id, x.ord - 1, x.item_id, x.item_json, $4 FROM c, unnest($6::text[], $7::text[]) WITH ORDINALITY AS x(item_id, item_json, ord)`,
      [record.id, record.owner, JSON.stringify(record.metadata), Math.floor(record.createdAt), items.length, ids, jsons],
    );
  }

  async getConversation(id: string, owner: string): Promise<ConversationRecord | null> {
    if (isImpossibleId(id)) return null;
    const { rows } = await this.#pool.query<ConversationRow>(
      `SELECT id, owner, metadata_json, created_at FROM ${this.#t}conversations WHERE id = $1 AND owner = $2`,
      [id, owner],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async updateConversation(id: string, owner: string, metadata: Record<string, string>): Promise<ConversationRecord | null> {
    if (isImpossibleId(id)) return null;
    const { rows } = await this.#pool.query<ConversationRow>(
      `UPDATE ${this.#t}conversations SET metadata_json = $3 WHERE id = $1 AND owner = $2 RETURNING id, owner, metadata_json, created_at`,
      [id, owner, JSON.stringify(metadata)],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async deleteConversation(id: string, owner: string): Promise<boolean> {
    if (isImpossibleId(id)) return false;
    const t = this.#t;
    const { rows } = await this.#pool.query<{ id: string }>(
      `WITH c AS (DELETE FROM ${t}conversations WHERE id = $1 AND owner = $2 RETURNING id),
            gone AS (DELETE FROM ${t}conversation_items WHERE conversation_id IN (SELECT id FROM c))
       SELECT id FROM c`,
      [id, owner],
    );
    return rows.length > 0;
  }

  async appendConversationItems(id: string, owner: string, items: Item[]): Promise<boolean> {
    if (isImpossibleId(id)) return false;
    const t = this.#t;
    const [ids, jsons] = encodeItems(items);
    const { rows } = await this.#run<{ base: string }>(
      `WITH c AS (
         UPDATE ${t}conversations SET next_seq = next_seq + $3 WHERE id = $1 AND owner = $2 RETURNING next_seq - $3 AS base
       ), ins AS (
         INSERT INTO ${t}conversation_items (conversation_id, seq, item_id, item_json, created_at)
         SELECT $1, c.base + x.ord - 1, x.item_id, x.item_json, $6 FROM c, unnest($4::text[], $5::text[]) WITH ORDINALITY AS x(item_id, item_json, ord)
       )
       SELECT base FROM c`,
      [id, owner, items.length, ids, jsons, Math.floor(Date.now() / 1000)],
    );
    return rows.length > 0;
  }

  async listConversationItems(id: string, owner: string, opts: ListConversationItemsOptions): Promise<InputItemsPage | null> {
    if (isImpossibleId(id)) return null;
    const t = this.#t;
    const parts = inputItemsQueryParts(opts);
    const values: (string | number)[] = [id, owner, parts.fetch];
    const placeholder = new Map<string, string>();
    for (const c of parts.cursors) {
      values.push(isImpossibleId(c.itemId) ? '' : c.itemId);
      placeholder.set(c.name, `$${values.length}`);
    }
    const cursor = (name: string): string => `(SELECT seq FROM ${t}conversation_items WHERE conversation_id = $1 AND item_id = ${placeholder.get(name)})`;
    const where = parts.conditions.map((c) => ` AND ${c(cursor)}`).join('');
    const { rows } = await this.#pool.query<{ item_json: string | null }>(
      `SELECT page.item_json FROM ${t}conversations c
       LEFT JOIN LATERAL (
         SELECT item_json, seq FROM ${t}conversation_items WHERE conversation_id = $1${where}
          ORDER BY seq ${parts.direction} LIMIT $3
       ) page ON TRUE
       WHERE c.id = $1 AND c.owner = $2
       ORDER BY page.seq ${parts.direction}`,
      values,
    );
    if (rows.length === 0) return null;
    const items = rows.flatMap((r) => (r.item_json === null ? [] : [JSON.parse(r.item_json) as Item]));
    return { data: items.slice(0, parts.limit), hasMore: items.length > parts.limit };
  }

  async getConversationItems(id: string, owner: string): Promise<Item[] | null> {
    if (isImpossibleId(id)) return null;
    const t = this.#t;
    const { rows } = await this.#pool.query<{ item_json: string | null }>(
      `SELECT i.item_json FROM ${t}conversations c
       LEFT JOIN ${t}conversation_items i ON i.conversation_id = c.id
       WHERE c.id = $1 AND c.owner = $2 ORDER BY i.seq`,
      [id, owner],
    );
    if (rows.length === 0) return null;
    return rows.flatMap((r) => (r.item_json === null ? [] : [JSON.parse(r.item_json) as Item]));
  }

  async getConversationItem(id: string, owner: string, itemId: string): Promise<{ item: Item | null } | null> {
    if (isImpossibleId(id)) return null;
    const t = this.#t;
    const { rows } = await this.#pool.query<{ item_json: string | null }>(
      `SELECT i.item_json FROM ${t}conversations c
       LEFT JOIN ${t}conversation_items i ON i.conversation_id = c.id AND i.item_id = $3
       WHERE c.id = $1 AND c.owner = $2`,
      [id, owner, isImpossibleId(itemId) ? '' : itemId],
    );
    if (rows.length === 0) return null;
    const json = rows[0]!.item_json;
    return { item: json === null ? null : (JSON.parse(json) as Item) };
  }

  async deleteConversationItem(id: string, owner: string, itemId: string): Promise<{ deleted: boolean; conversation: ConversationRecord } | null> {
    if (isImpossibleId(id)) return null;
    const t = this.#t;
    const { rows } = await this.#pool.query<ConversationRow & { deleted: string }>(
      `WITH c AS (SELECT id, owner, metadata_json, created_at FROM ${t}conversations WHERE id = $1 AND owner = $2),
            gone AS (DELETE FROM ${t}conversation_items WHERE conversation_id IN (SELECT id FROM c) AND item_id = $3 RETURNING 1)
       SELECT c.*, (SELECT count(*) FROM gone) AS deleted FROM c`,
      [id, owner, isImpossibleId(itemId) ? '' : itemId],
    );
    const row = rows[0];
    return row ? { deleted: Number(row.deleted) > 0, conversation: toRecord(row) } : null;
  }
}
