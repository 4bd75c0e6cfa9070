/**
 * The SQLite store's WAL checkpoints (src/store/sqlite-wal.ts, sqlite-checkpointer.ts): the
 * writer thread checkpoints instead of the committing connection, and the WAL stays bounded —
 * with one store, with several on one file (one per gateway worker process), and while a long
 * reader pins a snapshot.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { SqliteResponseStore } from '../../src/store/sqlite-store.js';
import type { WalPolicy } from '../../src/store/sqlite-wal.js';
import { sqliteBackend } from '../support/stores.js';
import { TEST_OWNER, turn } from './support/records.js';

const size = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

async function withStores(count: number, wal: WalPolicy, fn: (stores: SqliteResponseStore[], path: string) => Promise<void>): Promise<void> {
  const backend = sqliteBackend();
  const path = backend.spec.kind === 'sqlite' ? backend.spec.path : '';
  const stores: SqliteResponseStore[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const store = new SqliteResponseStore({ path, wal });
      await store.init();
      stores.push(store);
    }
    await fn(stores, path);
  } finally {
    for (const s of stores) await s.close();
    await backend.cleanup();
  }
}

/** `rounds` groups of `width` concurrent puts (the group commit hands them to the writer thread). */
async function writeGroups(store: SqliteResponseStore, rounds: number, width: number): Promise<string[]> {
  const ids: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const records = Array.from({ length: width }, (_, i) => turn(`r${r}-${i}`));
    await Promise.all(records.map((rec) => store.put(rec)));
    ids.push(...records.map((rec) => rec.id));
  }
  return ids;
}

// Without checkpoints these writes would leave tens of MB of WAL; a WAL that restarts stays small.
const WAL_BOUND_BYTES = 8 * 1024 * 1024;

describe('sqlite WAL checkpoints', () => {
  it('the writer thread checkpoints lone writes made on the main connection, without a commit doing it', async () => {
    // The automatic checkpoint is out of reach: only the thread can move pages into the file.
    await withStores(1, { checkpointWrites: 1_000_000, backstopPages: 1_000_000 }, async ([store], path) => {
      const before = size(path);
      for (let i = 0; i < 50; i++) await store!.put(turn(`lone-${i}`));
      expect(size(path)).toBe(before); // nothing checkpointed by the commits themselves
      // Idle: the thread's timer checkpoints what was written.
      await vi.waitFor(() => expect(size(path)).toBeGreaterThan(before), { timeout: 5000, interval: 20 });
    });
  });

  it('keeps the WAL bounded under batches, with the automatic checkpoint out of reach', async () => {
    await withStores(1, { checkpointWrites: 64, backstopPages: 1_000_000 }, async ([store], path) => {
      const ids = await writeGroups(store!, 40, 32);
      expect(size(`${path}-wal`)).toBeLessThan(WAL_BOUND_BYTES);
      expect(await store!.get(ids[ids.length - 1]!, TEST_OWNER)).not.toBeNull();
    });
  });

  it('keeps the WAL bounded with several stores (worker processes) writing to one file at once', async () => {
    await withStores(3, { checkpointWrites: 64, backstopPages: 400 }, async (stores, path) => {
      const written = await Promise.all(stores.map((s) => writeGroups(s, 25, 32)));
      expect(size(`${path}-wal`)).toBeLessThan(WAL_BOUND_BYTES);
      for (const ids of written) expect(await stores[0]!.get(ids[ids.length - 1]!, TEST_OWNER)).not.toBeNull();
    });
  });

  it('writes go on while a long reader pins the WAL, and the WAL is reused once it is gone', async () => {
    await withStores(1, { checkpointWrites: 32, backstopPages: 200 }, async ([store], path) => {
      const reader = new Database(path, { readonly: true });
      try {
        reader.exec('BEGIN');
        reader.prepare('SELECT count(*) FROM responses').get(); // the snapshot is taken here
        await writeGroups(store!, 10, 32); // cannot restart the WAL: must neither fail nor stall
        reader.exec('COMMIT');
      } finally {
        reader.close();
      }
      const pinned = size(`${path}-wal`);
      const ids = await writeGroups(store!, 40, 32);
      // Restarted from the beginning: four times the writes did not grow the file fourfold.
      expect(size(`${path}-wal`)).toBeLessThan(pinned * 2);
      expect(await store!.get(ids[ids.length - 1]!, TEST_OWNER)).not.toBeNull();
    });
  });
});
