/**
 * Migration v8 (SQLite): `responses_parent_id` and `response_items_item_id` become partial
 * indexes on a new database, stay full on one that already holds responses (rebuilding them
 * would read the whole table while every worker waits), and the lookups through them use them
 * either way.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrateSqlite, SQLITE_MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteResponseStore } from '../../src/store/sqlite-store.js';
import { sqliteBackend } from '../support/stores.js';
import { TEST_OWNER, turn } from './support/records.js';

const indexSql = (db: Database.Database, name: string): string =>
  db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").pluck().get(name) as string;

/** The query plans of the lookups that go through the two indexes. */
function plans(db: Database.Database): string[] {
  const plan = (sql: string, ...params: unknown[]): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
  return [
    plan('SELECT 1 FROM responses WHERE parent_id = ? LIMIT 1', 'p'),
    plan(
      `SELECT i.item_id FROM response_items i JOIN responses r ON r.id = i.response_id
        WHERE i.item_id IN (SELECT value FROM json_each(?)) AND r.owner = ? AND r.deleted_at IS NULL`,
      '[]',
      'o',
    ),
  ];
}

describe('migration v8: partial indexes', () => {
  it('a new database gets partial indexes, and every lookup through them uses them', () => {
    const db = new Database(':memory:');
    migrateSqlite(db);
    expect(indexSql(db, 'responses_parent_id')).toMatch(/WHERE parent_id IS NOT NULL/);
    expect(indexSql(db, 'response_items_item_id')).toMatch(/WHERE item_id IS NOT NULL/);
    const [children, items] = plans(db);
    expect(children).toContain('USING COVERING INDEX responses_parent_id');
    expect(items).toMatch(/USING (COVERING )?INDEX response_items_item_id/);
    db.close();
  });

  it('a database that already holds responses keeps its full indexes', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, SQLITE_MIGRATIONS.filter((m) => m.version < 8));
    db.prepare('INSERT INTO responses (id, parent_id, owner, response_json, created_at) VALUES (?, NULL, ?, ?, 1)').run('resp_old', TEST_OWNER, '{}');
    expect(migrateSqlite(db)).toEqual([8]);
    expect(indexSql(db, 'responses_parent_id')).not.toMatch(/WHERE/);
    expect(indexSql(db, 'response_items_item_id')).not.toMatch(/WHERE/);
    db.close();
  });

  it('children, item references and cursors work through the partial indexes', async () => {
    const backend = sqliteBackend();
    const path = backend.spec.kind === 'sqlite' ? backend.spec.path : '';
    const store = new SqliteResponseStore({ path });
    try {
      await store.init();
      const first = turn('first');
      await store.put(first);
      const second = turn('second', { parentId: first.id });
      await store.put(second);
      // A parent with a child is tombstoned, not removed: found through responses_parent_id.
      expect(await store.delete(first.id, TEST_OWNER)).toBe(true);
      expect(await store.getHistory(second.id, TEST_OWNER)).toMatchObject({ items: [...first.inputItems, ...first.outputItems, ...second.inputItems, ...second.outputItems] });
      const outputId = (second.outputItems[0] as { id: string }).id;
      expect([...(await store.findItems([outputId], TEST_OWNER)).keys()]).toEqual([outputId]);
    } finally {
      await store.close();
      await backend.cleanup();
    }
  });
});
