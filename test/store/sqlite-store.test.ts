import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ParentNotFoundError } from '../../src/store/errors.js';
import { SqliteResponseStore } from '../../src/store/sqlite-store.js';
import { openStore, sqliteBackend } from './support/backends.js';
import { expectedItems, rid, TEST_OWNER, turn } from './support/records.js';
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

describe('sqlite group commit and lock waits', () => {
  it('writes concurrent puts in shared transactions; one bad record fails alone', async () => {
    const backend = sqliteBackend();
    const store = openStore(backend.spec);
    await store.init();
    try {
      const root = turn('gc-root');
      await store.put(root);
      const good = Array.from({ length: 20 }, (_, i) => turn(`gc-${i}`, { parentId: root.id }));
      const orphan = turn('gc-orphan', { parentId: rid() });
      // All submitted in the same tick: they land in one batch together with the orphan.
      const results = await Promise.allSettled([...good.slice(0, 10), orphan, ...good.slice(10)].map((r) => store.put(r)));
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ParentNotFoundError);
      for (const r of good) expect((await store.getHistory(r.id, TEST_OWNER))?.items).toEqual(expectedItems([root, r]));
      expect(await store.get(orphan.id, TEST_OWNER)).toBeNull();
    } finally {
      await store.close();
      await backend.cleanup();
    }
  });

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
