import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Checkpointer, FAILURE_REPORT_INTERVAL_MS } from './sqlite-checkpointer.js';

/** A connection whose checkpoints throw `error` (or succeed when it is null). */
function connection(error: { current: Error | null }): Database.Database {
  return {
    pragma: (sql: string) => {
      if (sql.startsWith('wal_checkpoint') && error.current) throw error.current;
      return [{ busy: 0, log: 0, checkpointed: 0 }];
    },
  } as unknown as Database.Database;
}

const sqliteError = (code: string) => Object.assign(new Error(code), { code });

describe('Checkpointer failures', () => {
  let checkpointer: Checkpointer | null = null;
  afterEach(() => {
    checkpointer?.stop();
    vi.useRealTimers();
  });

  it('reports a checkpoint that fails for another reason than a busy lock, at most once per interval', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const error = { current: sqliteError('SQLITE_IOERR') as Error | null };
    const failures: unknown[] = [];
    checkpointer = new Checkpointer(connection(error), new Int32Array(new SharedArrayBuffer(4)), { checkpointWrites: 1, backstopPages: 1000 }, 5000, (err) => failures.push(err));
    checkpointer.checkpoint();
    checkpointer.checkpoint();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'SQLITE_IOERR' });
    vi.setSystemTime(Date.now() + FAILURE_REPORT_INTERVAL_MS);
    checkpointer.checkpoint();
    expect(failures).toHaveLength(2);
  });

  it('stays quiet about busy locks (another connection is checkpointing) and about successes', () => {
    const error = { current: sqliteError('SQLITE_BUSY') as Error | null };
    const failures: unknown[] = [];
    checkpointer = new Checkpointer(connection(error), new Int32Array(new SharedArrayBuffer(4)), { checkpointWrites: 1, backstopPages: 1000 }, 5000, (err) => failures.push(err));
    checkpointer.checkpoint();
    error.current = null;
    checkpointer.checkpoint();
    expect(failures).toHaveLength(0);
  });
});
