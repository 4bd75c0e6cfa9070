/**
 * Group commit: concurrent writes share one database transaction.
 *
 * Each write is queued and its promise settles only when the transaction that carries it has
 * committed (or failed), so a caller that awaits `submit` has exactly the durability of its own
 * commit: the gateway sends `response.completed` after that, and a response the client saw
 * completed survives a kill -9. What changes is the cost: the writes that arrive while a
 * transaction is being written (at concurrency, most of them) go together into the next one,
 * so the fixed per-transaction cost (lock, journal/WAL append, sync, round trip) is paid once
 * per batch instead of once per response.
 *
 * A batch starts on the next turn of the event loop after the first write (setImmediate), so
 * every response that finished during the same I/O phase joins it; at concurrency 1 this adds
 * no wait beyond the current turn. At most `maxInFlight` batches run at once (1 for SQLite,
 * which has one writer anyway; a few for PostgreSQL's pool); writes arriving meanwhile queue.
 */

/** Commits a batch; returns one entry per record: null when stored, or that record's error. */
export type CommitBatch<T> = (records: readonly T[]) => Promise<readonly (Error | null)[]>;

export interface GroupCommitOptions {
  /** Upper bound of records per transaction. */
  maxBatch: number;
  /** Batches committing at the same time. */
  maxInFlight: number;
}

interface Pending<T> {
  record: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit<T> {
  readonly #commit: CommitBatch<T>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #queue: Pending<T>[] = [];
  #scheduled = false;
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(commit: CommitBatch<T>, opts: GroupCommitOptions) {
    this.#commit = commit;
    this.#maxBatch = Math.max(1, opts.maxBatch);
    this.#maxInFlight = Math.max(1, opts.maxInFlight);
  }

  /** Resolves once the record's transaction has committed; rejects with its own error. */
  submit(record: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when nothing is queued or committing (for close()). */
  drained(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight >= this.#maxInFlight || this.#queue.length === 0) return;
    const batch = this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch);
    this.#queue = batch === this.#queue ? [] : this.#queue.slice(this.#maxBatch);
    this.#inFlight++;
    // More queued than one batch takes: start the next one now if a slot is free.
    this.#schedule();
    try {
      const results = await this.#commit(batch.map((p) => p.record));
      batch.forEach((p, i) => {
        const err = results[i];
        if (err) p.reject(err);
        else p.resolve();
      });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(e);
    } finally {
      this.#inFlight--;
      this.#schedule();
      if (this.#queue.length === 0 && this.#inFlight === 0) {
        const idle = this.#idle;
        this.#idle = [];
        for (const fn of idle) fn();
      }
    }
  }
}
