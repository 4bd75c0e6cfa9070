import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteResponseStore } from '../../src/store/sqlite-store.js';
import { openStore, sqliteBackend } from '../support/stores.js';
import { TEST_OWNER, turn } from './support/records.js';
import { describeStoreContract } from './support/store-contract.js';

describeStoreContract('sqlite', async () => {
  const backend = sqliteBackend();
  const store = openStore(backend.spec);
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await backend.cleanup();
    },
  };
});

describe('sqlite lock waits', () => {
  it('waits for another connection’s write lock without blocking the event loop', async () => {
    const backend = sqliteBackend();
    const path = backend.spec.kind === 'sqlite' ? backend.spec.path : '';
    // A long lock timeout: a busy handler that blocked would hold this process for all of it.
    const store = new SqliteResponseStore({ path, busyTimeoutMs: 60_000 });
    await store.init();
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE'); // another process holding the write lock
      let settled = false;
      const rec = turn('locked');
      const put = store.put(rec).finally(() => (settled = true));
      // Timers still run while the write waits for the lock.
      const started = Date.now();
      await new Promise((r) => setTimeout(r, 300));
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(settled).toBe(false);
      other.exec('COMMIT');
      await put;
      expect(await store.get(rec.id, TEST_OWNER)).toEqual(rec.response);
    } finally {
      other.close();
      await store.close();
      await backend.cleanup();
    }
  });
});
