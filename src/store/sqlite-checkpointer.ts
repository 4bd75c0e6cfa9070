/**
 * The writer thread's WAL checkpoints (policy: sqlite-wal.ts).
 *
 * Both threads count their writes into one shared Int32 (`noteWrites`). The writer thread calls
 * `afterBatch` once it has answered a batch, so the checkpoint delays only the next batch, never
 * an acknowledgement; a timer covers the main thread's writes (lone responses at low load,
 * deletes, conversations) while the thread has no batches. Checkpoints are PASSIVE: they never
 * wait for, or block, readers or writers of any process; a checkpoint that cannot run now
 * (another connection is checkpointing) is simply tried again later.
 *
 * A passive checkpoint copies the WAL into the database, but SQLite starts the WAL over from its
 * beginning only when a checkpoint found nothing written during it: under a steady stream of
 * writes from several connections that may never happen, and the WAL grows. So once the WAL
 * holds more than half the backstop, the thread escalates to a RESTART checkpoint, which holds
 * other writers off for the copy of what the passive one left and waits for readers — for at
 * most RESTART_WAIT_MS, so a long reader costs a retry later, never a stall.
 */
import type Database from 'better-sqlite3';
import { isBusy } from './sqlite-busy.js';
import type { WalPolicy } from './sqlite-wal.js';

/** How often the idle timer looks at the write count. */
export const IDLE_CHECK_MS = 100;

/** The longest a RESTART checkpoint waits for other connections' writers and readers. */
export const RESTART_WAIT_MS = 50;

/** A checkpoint failing for another reason than a busy lock is reported at most this often. */
export const FAILURE_REPORT_INTERVAL_MS = 60_000;

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/** Add `n` writes to the shared count (either thread). */
export function noteWrites(writes: Int32Array, n: number): void {
  Atomics.add(writes, 0, n);
}

export class Checkpointer {
  readonly #db: Database.Database;
  readonly #writes: Int32Array;
  readonly #every: number;
  readonly #restartPages: number;
  readonly #busyTimeoutMs: number;
  /** The write count the last checkpoint covered. */
  #done: number;
  #busySinceTick = false;
  readonly #timer: NodeJS.Timeout;
  readonly #onFailure: (err: unknown) => void;
  #lastReportAt = -Infinity;

  /**
   * `busyTimeoutMs`: the connection's own busy timeout, restored after a RESTART. `onFailure`
   * hears of a checkpoint that failed for another reason than a busy lock (an I/O error, a full
   * disk), at most once per FAILURE_REPORT_INTERVAL_MS, so that it reaches the logs.
   */
  constructor(db: Database.Database, writes: Int32Array, policy: WalPolicy, busyTimeoutMs: number, onFailure: (err: unknown) => void = () => {}) {
    this.#db = db;
    this.#onFailure = onFailure;
    this.#writes = writes;
    this.#every = policy.checkpointWrites;
    this.#restartPages = Math.max(1, Math.floor(policy.backstopPages / 2));
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#done = Atomics.load(writes, 0);
    this.#timer = setInterval(() => this.#tick(), IDLE_CHECK_MS);
    this.#timer.unref();
  }

  /** After a batch was answered: checkpoint if enough writes accumulated. */
  afterBatch(): void {
    this.#busySinceTick = true;
    if (this.#pending() >= this.#every) this.checkpoint();
  }

  /** Idle (no batch since the last tick): checkpoint whatever was written. */
  #tick(): void {
    const busy = this.#busySinceTick;
    this.#busySinceTick = false;
    const pending = this.#pending();
    if (pending >= this.#every || (!busy && pending > 0)) this.checkpoint();
  }

  #pending(): number {
    // Int32 wrap-around after 2^31 writes: the difference stays right.
    return (Atomics.load(this.#writes, 0) - this.#done) | 0;
  }

  checkpoint(): void {
    const upTo = Atomics.load(this.#writes, 0);
    try {
      const [passive] = this.#db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
      this.#done = upTo;
      if (passive && passive.log >= this.#restartPages) this.#restart();
    } catch (err) {
      // Tried again later either way, and the backstop still bounds the WAL. Busy (another
      // connection checkpoints) is routine; anything else is reported.
      if (isBusy(err)) return;
      const now = Date.now();
      if (now - this.#lastReportAt < FAILURE_REPORT_INTERVAL_MS) return;
      this.#lastReportAt = now;
      this.#onFailure(err);
    }
  }

  #restart(): void {
    this.#db.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
    try {
      this.#db.pragma('wal_checkpoint(RESTART)');
    } finally {
      this.#db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
