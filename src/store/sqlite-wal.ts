/**
 * Who checkpoints the SQLite WAL, and when.
 *
 * SQLite's default is an automatic checkpoint inside whichever connection's commit pushes the
 * WAL past 1,000 pages: that commit (a lone response on the main thread, or a writer-thread batch
 * whose ack then waits) pays for copying the WAL into the database file and two fsyncs, often
 * more than the commit itself (the copy of ~100 responses' pages took 10-20 ms here). So every
 * connection of the store runs with the automatic checkpoint only as a backstop
 * (`backstopPages`, far above normal), and the writer thread checkpoints instead
 * (sqlite-checkpointer.ts): passively, after it has answered a batch or when idle, once
 * `checkpointWrites` writes accumulated. Fewer, larger checkpoints also copy fewer pages per
 * write: a page changed by many writes is copied once.
 *
 * A checkpoint on the thread still delays the next batch (the copy and its two fsyncs), and
 * under load every response committing meanwhile waits for it (a checkpoint took 18 ms at the
 * median, up to 94 ms, at c=64). 2,000 writes between them (500 before) halve that stall time
 * (69 -> 37 ms per second of load) and, at c=64 on a busy 2-core machine, give ≈ 5 % more
 * requests per second at ≈ 2-4 % less main-thread CPU per request (bench/ab.ts). The WAL
 * between two checkpoints stays below the backstop: a write adds ≈ 1.4 frames in a batch
 * of ~20 (c=64: ≈ 11 MB of WAL), ≈ 4.5 in a batch of 2, ≈ 8 alone — and lone writes (an idle
 * store, e.g. concurrency 1) are checkpointed by the idle timer whatever their count.
 *
 * The backstop bounds the WAL whatever happens to the thread (dead, starved by a long reader's
 * snapshot, or several processes writing faster than their threads checkpoint); `journal_size_limit`
 * gives the disk back after such a burst (the WAL file is truncated to it when it restarts).
 */
import type Database from 'better-sqlite3';

export interface WalPolicy {
  /** Writes (stored responses and other write transactions) between two checkpoints. */
  checkpointWrites: number;
  /** `wal_autocheckpoint` of every connection: the WAL size (pages) where a commit checkpoints itself. */
  backstopPages: number;
}

export const DEFAULT_WAL_POLICY: WalPolicy = { checkpointWrites: 2000, backstopPages: 20_000 };

/** Per connection: the automatic checkpoint as a backstop only, and the WAL's size limit on restart. */
export function applyWalPolicy(db: Database.Database, policy: WalPolicy): void {
  db.pragma(`wal_autocheckpoint = ${policy.backstopPages}`);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma(`journal_size_limit = ${policy.backstopPages * pageSize}`);
}
