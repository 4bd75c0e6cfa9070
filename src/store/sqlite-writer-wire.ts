/**
 * What crosses the boundary between the store (sqlite-writer.ts) and its writer thread
 * (sqlite-writer-thread.ts): the messages, and the two encodings both sides must agree on.
 *
 * Records travel as one flat array of strings and numbers rather than as objects: structured
 * clone writes every property name of every object, and that copy runs on the main thread,
 * the one this thread exists to relieve (about 2.5x cheaper per record, measured on the bench's
 * records). Errors travel as plain fields: structured clone keeps neither class nor `code`.
 */
import { ParentNotFoundError } from './errors.js';
import type { EncodedRecord, ItemRow } from './record-codec.js';
import type { WalPolicy } from './sqlite-wal.js';

/** What the thread is started with (`workerData`). */
export interface WriterConfig {
  path: string;
  /** Total wait for another connection's write lock before a batch fails with SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** See `WalPolicy` (sqlite-wal.ts). */
  wal: WalPolicy;
  /**
   * One Int32 shared with the main thread: writes made since start, by either thread. The
   * thread checkpoints the WAL when enough have accumulated (sqlite-checkpointer.ts).
   */
  writes: SharedArrayBuffer;
}

/** A batch of records, flattened by `packRecords`. */
export type PackedRecords = (string | number | null)[];

export type WriterRequest = { type: 'write'; id: number; records: PackedRecords } | { type: 'close' };

export interface WireError {
  name: string;
  message: string;
  code?: string;
  parentId?: string;
}

export type WriterReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; results: (WireError | null)[] }
  | { type: 'failed'; id: number; error: WireError }
  /** A WAL checkpoint failed (not for a busy lock); the store logs it. */
  | { type: 'checkpoint_failed'; error: WireError };

/** Per record: id, parentId, owner, responseJson, createdAt, item count, then per item: seq, isOutput (0/1), itemId, json. */
export function packRecords(records: readonly EncodedRecord[]): PackedRecords {
  const out: PackedRecords = [];
  for (const r of records) {
    out.push(r.id, r.parentId, r.owner, r.responseJson, r.createdAt, r.items.length);
    for (const it of r.items) out.push(it.seq, it.isOutput ? 1 : 0, it.itemId, it.json);
  }
  return out;
}

export function unpackRecords(packed: PackedRecords): EncodedRecord[] {
  const out: EncodedRecord[] = [];
  let i = 0;
  while (i < packed.length) {
    const id = packed[i++] as string;
    const parentId = packed[i++] as string | null;
    const owner = packed[i++] as string;
    const responseJson = packed[i++] as string;
    const createdAt = packed[i++] as number;
    const n = packed[i++] as number;
    const items: ItemRow[] = [];
    for (let k = 0; k < n; k++) {
      items.push({ seq: packed[i++] as number, isOutput: packed[i++] === 1, itemId: packed[i++] as string | null, json: packed[i++] as string });
    }
    out.push({ id, parentId, owner, responseJson, createdAt, items });
  }
  return out;
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof ParentNotFoundError) return { name: err.name, message: err.message, parentId: err.parentId };
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** The store's own error classes come back as themselves; SQLite's keep their name and `code`. */
export function errorFromWire(wire: WireError): Error {
  if (wire.parentId !== undefined) return new ParentNotFoundError(wire.parentId);
  const err = new Error(wire.message) as Error & { code?: string };
  err.name = wire.name;
  if (wire.code !== undefined) err.code = wire.code;
  return err;
}
