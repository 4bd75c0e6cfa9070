/**
 * The SQLite store's writer thread (src/store/sqlite-writer.ts): what happens when it dies, and
 * the `:memory:` databases that write on the main connection instead.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { encodeRecord } from '../../src/store/record-codec.js';
import { SqliteResponseStore } from '../../src/store/sqlite-store.js';
import { SqliteWriter } from '../../src/store/sqlite-writer.js';
import { DEFAULT_WAL_POLICY } from '../../src/store/sqlite-wal.js';
import { sqliteBackend } from '../support/stores.js';
import { TEST_OWNER, turn } from './support/records.js';

describe('sqlite writer thread', () => {
  it('a dead thread fails its unconfirmed writes with a clear error, logs it, and the next write starts a new thread', async () => {
    const backend = sqliteBackend();
    const path = backend.spec.kind === 'sqlite' ? backend.spec.path : '';
    const store = new SqliteResponseStore({ path });
    await store.init(); // the schema
    const warnings: unknown[] = [];
    const writer = new SqliteWriter({ path, busyTimeoutMs: 60_000, wal: DEFAULT_WAL_POLICY, writes: new SharedArrayBuffer(4) }, { warn: (obj) => warnings.push(obj) });
    const other = new Database(path);
    try {
      await writer.start();
      // Another connection holds the write lock, so the batch cannot have committed when the thread dies.
      other.exec('BEGIN IMMEDIATE');
      const lost = turn('lost');
      const pending = writer.commit([encodeRecord(lost)]);
      const aborted = writer.abort();
      other.exec('COMMIT');
      await aborted;
      await expect(pending).rejects.toThrow(/SQLite writer thread exited .*the write was not confirmed/);
      expect(warnings).toHaveLength(1);

      const next = turn('after-restart');
      expect(await writer.commit([encodeRecord(next)])).toEqual([null]);
      expect(await store.get(next.id, TEST_OWNER)).toEqual(next.response);
      expect(await store.get(lost.id, TEST_OWNER)).toBeNull();
    } finally {
      other.close();
      await writer.close();
      await store.close();
      await backend.cleanup();
    }
  });

  it('a :memory: database (one connection only) writes on the main connection', async () => {
    const store = new SqliteResponseStore({ path: ':memory:' });
    await store.init();
    try {
      const a = turn('mem-a');
      const b = turn('mem-b', { parentId: a.id });
      await store.put(a);
      await store.put(b);
      expect((await store.getHistory(b.id, TEST_OWNER))?.items).toEqual([...a.inputItems, ...a.outputItems, ...b.inputItems, ...b.outputItems]);
    } finally {
      await store.close();
    }
  });
});
