/**
 * The Conversations API on SQLite: a conversation row (owner, metadata, `next_seq`) and one row
 * per item keyed (conversation_id, seq). Every write runs in a `BEGIN IMMEDIATE` transaction, so
 * appends from several worker processes are serialised by SQLite's write lock: each reads
 * `next_seq`, inserts after it and advances it, and none can interleave.
 */
import type Database from 'better-sqlite3';
import type { Item } from '../api/items.js';
import { DuplicateConversationItemError } from './errors.js';
import { inputItemsQueryParts } from './input-items-query.js';
import { isImpossibleId } from './record-codec.js';
import type { ConversationRecord, ConversationStore, InputItemsPage, ListConversationItemsOptions } from './types.js';

interface ConversationRow {
  id: string;
  owner: string;
  metadata_json: string;
  created_at: number;
  next_seq: number;
}

function toRecord(row: ConversationRow): ConversationRecord {
  return { id: row.id, owner: row.owner, metadata: JSON.parse(row.metadata_json) as Record<string, string>, createdAt: row.created_at };
}

function itemId(item: Item): string {
  return (item as { id: string }).id;
}

export class SqliteConversations implements ConversationStore {
  readonly #db: Database.Database;
  readonly #st: ReturnType<typeof prepare>;
  readonly #list = new Map<string, Database.Statement>();
  readonly #write: <T>(fn: () => T) => Promise<T>;

  /** `write` runs a transaction body with the store's IMMEDIATE + busy-retry discipline. */
  constructor(db: Database.Database, write: <T>(fn: () => T) => Promise<T>) {
    this.#db = db;
    this.#st = prepare(db);
    this.#write = write;
  }

  async createConversation(record: ConversationRecord, items: Item[]): Promise<void> {
    const st = this.#st;
    const rows = items.map((item) => [itemId(item), JSON.stringify(item)] as const);
    await this.#write(() => {
      st.insert.run(record.id, record.owner, JSON.stringify(record.metadata), Math.floor(record.createdAt), 0);
      this.#appendRows(record.id, rows, 0, Math.floor(record.createdAt));
    });
  }

  async getConversation(id: string, owner: string): Promise<ConversationRecord | null> {
    if (isImpossibleId(id)) return null;
    const row = this.#st.find.get(id, owner) as ConversationRow | undefined;
    return row ? toRecord(row) : null;
  }

  async updateConversation(id: string, owner: string, metadata: Record<string, string>): Promise<ConversationRecord | null> {
    if (isImpossibleId(id)) return null;
    const st = this.#st;
    return this.#write(() => {
      if (st.updateMetadata.run(JSON.stringify(metadata), id, owner).changes === 0) return null;
      return toRecord(st.find.get(id, owner) as ConversationRow);
    });
  }

  async deleteConversation(id: string, owner: string): Promise<boolean> {
    if (isImpossibleId(id)) return false;
    const st = this.#st;
    return this.#write(() => {
      if (st.remove.run(id, owner).changes === 0) return false;
      st.removeItems.run(id);
      return true;
    });
  }

  async appendConversationItems(id: string, owner: string, items: Item[]): Promise<boolean> {
    if (isImpossibleId(id)) return false;
    const st = this.#st;
    const rows = items.map((item) => [itemId(item), JSON.stringify(item)] as const);
    const now = Math.floor(Date.now() / 1000);
    return this.#write(() => {
      const row = st.find.get(id, owner) as ConversationRow | undefined;
      if (!row) return false;
      this.#appendRows(id, rows, row.next_seq, now);
      return true;
    });
  }

  /** Inside a write transaction: insert after `base` and advance the counter. */
  #appendRows(id: string, rows: readonly (readonly [string, string])[], base: number, now: number): void {
    const st = this.#st;
    rows.forEach(([iid, json], i) => {
      try {
        st.insertItem.run(id, base + i, iid, json, now);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateConversationItemError(iid);
        throw err;
      }
    });
    st.advance.run(base + rows.length, id);
  }

  async listConversationItems(id: string, owner: string, opts: ListConversationItemsOptions): Promise<InputItemsPage | null> {
    if (isImpossibleId(id)) return null;
    const parts = inputItemsQueryParts(opts);
    const key = `${parts.direction}:${opts.after !== undefined}`;
    let stmt = this.#list.get(key);
    if (!stmt) {
      const cursor = (name: string): string => `(SELECT seq FROM conversation_items WHERE conversation_id = @id AND item_id = @${name})`;
      const where = parts.conditions.map((c) => ` AND ${c(cursor)}`).join('');
      stmt = this.#db
        .prepare(`SELECT item_json FROM conversation_items WHERE conversation_id = @id${where} ORDER BY seq ${parts.direction} LIMIT @fetch`)
        .pluck();
      this.#list.set(key, stmt);
    }
    const list = stmt;
    const params: Record<string, string | number> = { id, fetch: parts.fetch };
    for (const c of parts.cursors) params[c.name] = c.itemId;
    const st = this.#st;
    // Existence (with owner) and page from one snapshot.
    const rows = this.#db.transaction((): string[] | null => (st.find.get(id, owner) ? (list.all(params) as string[]) : null))();
    if (rows === null) return null;
    return { data: rows.slice(0, parts.limit).map((json) => JSON.parse(json) as Item), hasMore: rows.length > parts.limit };
  }

  async getConversationItems(id: string, owner: string): Promise<Item[] | null> {
    if (isImpossibleId(id)) return null;
    const st = this.#st;
    const rows = this.#db.transaction((): string[] | null => (st.find.get(id, owner) ? (st.allItems.all(id) as string[]) : null))();
    return rows === null ? null : rows.map((json) => JSON.parse(json) as Item);
  }

  async getConversationItem(id: string, owner: string, itemId: string): Promise<{ item: Item | null } | null> {
    if (isImpossibleId(id)) return null;
    const st = this.#st;
    return this.#db.transaction(() => {
      if (!st.find.get(id, owner)) return null;
      const json = isImpossibleId(itemId) ? undefined : (st.item.get(id, itemId) as string | undefined);
      return { item: json === undefined ? null : (JSON.parse(json) as Item) };
    })();
  }

  async deleteConversationItem(id: string, owner: string, itemId: string): Promise<{ deleted: boolean; conversation: ConversationRecord } | null> {
    if (isImpossibleId(id)) return null;
    const st = this.#st;
    return this.#write(() => {
      const row = st.find.get(id, owner) as ConversationRow | undefined;
      if (!row) return null;
      const deleted = !isImpossibleId(itemId) && st.removeItem.run(id, itemId).changes > 0;
      return { deleted, conversation: toRecord(row) };
    });
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare('INSERT INTO conversations (id, owner, metadata_json, created_at, next_seq) VALUES (?, ?, ?, ?, ?)'),
    find: db.prepare('SELECT id, owner, metadata_json, created_at, next_seq FROM conversations WHERE id = ? AND owner = ?'),
    updateMetadata: db.prepare('UPDATE conversations SET metadata_json = ? WHERE id = ? AND owner = ?'),
    remove: db.prepare('DELETE FROM conversations WHERE id = ? AND owner = ?'),
    removeItems: db.prepare('DELETE FROM conversation_items WHERE conversation_id = ?'),
    advance: db.prepare('UPDATE conversations SET next_seq = ? WHERE id = ?'),
    insertItem: db.prepare('INSERT INTO conversation_items (conversation_id, seq, item_id, item_json, created_at) VALUES (?, ?, ?, ?, ?)'),
    allItems: db.prepare('SELECT item_json FROM conversation_items WHERE conversation_id = ? ORDER BY seq').pluck(),
    item: db.prepare('SELECT item_json FROM conversation_items WHERE conversation_id = ? AND item_id = ?').pluck(),
    removeItem: db.prepare('DELETE FROM conversation_items WHERE conversation_id = ? AND item_id = ?'),
  };
}
