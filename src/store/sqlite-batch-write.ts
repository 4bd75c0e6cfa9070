/**
 * One group-commit batch of responses into SQLite, on whichever connection is given: the writer
 * thread's (sqlite-writer-thread.ts) or, for `:memory:` databases that no second connection can
 * open, the store's own.
 *
 * The common case: every record of the batch goes in one IMMEDIATE transaction, with no
 * per-record savepoint (two statements per record saved). A missing parent is found before the
 * record writes anything, so it is that record's own error there too. Any other failure rolls
 * the whole batch back: it is written again with each record in its own savepoint, so one
 * record's failure rolls back only that record. Busy errors propagate (the caller retries the
 * whole batch).
 */
import type Database from 'better-sqlite3';
import { ParentNotFoundError } from './errors.js';
import { isBusy } from './sqlite-busy.js';
import type { EncodedRecord } from './record-codec.js';

/** Returns one entry per record: null when stored, or that record's error. */
export type BatchWrite = (records: readonly EncodedRecord[]) => (Error | null)[];

export function createBatchWrite(db: Database.Database): BatchWrite {
  // A tombstoned parent is fine (its items are kept); a removed one is not.
  const parentExists = db.prepare('SELECT 1 FROM responses WHERE id = ? AND owner = ?').pluck();
  const insertResponse = db.prepare('INSERT INTO responses (id, parent_id, owner, response_json, created_at) VALUES (?, ?, ?, ?, ?)');
  const insertItem = db.prepare('INSERT INTO response_items (response_id, seq, is_output, item_id, item_json) VALUES (?, ?, ?, ?, ?)');
  const insert = (rec: EncodedRecord): void => {
    // The parent must be the same owner's (prepare already checked; this is the last line).
    if (rec.parentId !== null && parentExists.get(rec.parentId, rec.owner) === undefined) {
      throw new ParentNotFoundError(rec.parentId);
    }
    insertResponse.run(rec.id, rec.parentId, rec.owner, rec.responseJson, rec.createdAt);
    for (const item of rec.items) insertItem.run(rec.id, item.seq, item.isOutput ? 1 : 0, item.itemId, item.json);
  };
  const writePlain = db.transaction((records: readonly EncodedRecord[]): (Error | null)[] =>
    records.map((rec) => {
      try {
        insert(rec);
        return null;
      } catch (err) {
        if (err instanceof ParentNotFoundError && records.length > 1) return err;
        throw err;
      }
    }),
  );
  // A transaction function called inside a transaction is a savepoint.
  const insertInSavepoint = db.transaction(insert);
  const writeIsolated = db.transaction((records: readonly EncodedRecord[]): (Error | null)[] =>
    records.map((rec) => {
      try {
        insertInSavepoint(rec);
        return null;
      } catch (err) {
        if (isBusy(err)) throw err; // the whole batch is retried
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
  return (records) => {
    try {
      return writePlain.immediate(records);
    } catch (err) {
      // Alone in its transaction, a record's error is the batch's; busy: the batch is retried.
      if (records.length === 1 || isBusy(err)) throw err;
      return writeIsolated.immediate(records);
    }
  };
}
