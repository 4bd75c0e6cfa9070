/**
 * The main thread's side of the SQLite writer thread (sqlite-writer-thread.ts): a `CommitBatch`
 * for GroupCommit that posts the batch's encoded records to the thread and resolves with the
 * per-record results once the thread's transaction committed.
 *
 * One thread per store, started at `init` (after the main connection migrated the schema) and
 * stopped at `close` (after the group commit drained; the thread answers every batch it was
 * sent before it closes its connection). If the thread dies, every batch it had not answered
 * fails with an error that says so (whether it committed is unknown, so nothing is ever
 * acknowledged that was not confirmed), the death is logged, and the next batch starts a new
 * thread.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EncodedRecord } from './record-codec.js';
import { errorFromWire, packRecords, type WriterConfig, type WriterReply, type WriterRequest } from './sqlite-writer-wire.js';
import type { StoreLogger } from './types.js';

/**
 * Built, the thread is `sqlite-writer-thread.js` next to this file. Run from TypeScript source
 * (vitest, tsx), Node cannot load the `.ts` thread by itself, so the thread first registers
 * tsx's require hook (a dev dependency; never reached from dist/).
 */
function spawnThread(config: WriterConfig): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./sqlite-writer-thread.js', import.meta.url), { workerData: config });
  }
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const source = fileURLToPath(new URL('./sqlite-writer-thread.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData: config,
  });
}

interface Pending {
  resolve: (results: (Error | null)[]) => void;
  reject: (err: Error) => void;
}

/** One started thread and the batches it has not answered yet. */
class Thread {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closing = false;
  #error: Error | null = null;

  constructor(config: WriterConfig, logger: StoreLogger | undefined, onExit: (thread: Thread) => void) {
    this.worker = spawnThread(config);
    // Only outstanding work keeps the process alive (see #hold).
    this.worker.unref();
    this.#hold(1);
    let markReady!: () => void;
    let failStart!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    // A thread started lazily after a death is not awaited: its failure reaches the batches.
    this.ready.catch(() => undefined);
    let started = false;
    this.worker.on('message', (reply: WriterReply) => {
      if (reply.type === 'ready') {
        started = true;
        this.#hold(-1);
        markReady();
        return;
      }
      if (reply.type === 'checkpoint_failed') {
        logger?.warn({ err: errorFromWire(reply.error) }, 'SQLite WAL checkpoint failed on the writer thread; it is retried, and commits checkpoint at the backstop (VR_SQLITE_WAL_BACKSTOP_PAGES)');
        return;
      }
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      this.#hold(-1);
      if (reply.type === 'done') p.resolve(reply.results.map((e) => (e ? errorFromWire(e) : null)));
      else p.reject(errorFromWire(reply.error));
    });
    this.worker.on('error', (err) => (this.#error = err));
    this.worker.on('exit', (code) => {
      onExit(this);
      const cause = this.#error ? `: ${this.#error.message}` : '';
      const err = new Error(`SQLite writer thread ${started ? 'exited' : 'failed to start'} (exit code ${code})${cause}`);
      if (!started) failStart(err);
      if (this.#closing && this.#pending.size === 0) return;
      logger?.warn({ err, pendingBatches: this.#pending.size }, 'SQLite writer thread stopped; its unconfirmed writes fail and the next write starts a new thread');
      const failed = new Error(`${err.message}; the write was not confirmed`);
      for (const p of this.#pending.values()) p.reject(failed);
      this.#pending.clear();
    });
  }

  /** Keep the process alive exactly while the thread owes an answer (start-up or a batch). */
  #outstanding = 0;
  #hold(delta: number): void {
    const before = this.#outstanding;
    this.#outstanding += delta;
    if (before === 0 && this.#outstanding > 0) this.worker.ref();
    else if (before > 0 && this.#outstanding === 0) this.worker.unref();
  }

  commit(records: readonly EncodedRecord[]): Promise<(Error | null)[]> {
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#hold(1);
      this.worker.postMessage({ type: 'write', id, records: packRecords(records) } satisfies WriterRequest);
    });
  }

  async terminate(): Promise<void> {
    this.#hold(1);
    await this.worker.terminate();
  }

  async close(): Promise<void> {
    this.#closing = true;
    // The thread owes the exit itself now: keep the process alive until it has closed the file.
    this.#hold(1);
    const exited = once(this.worker, 'exit');
    this.worker.postMessage({ type: 'close' } satisfies WriterRequest);
    await exited;
  }
}

export class SqliteWriter {
  readonly #config: WriterConfig;
  readonly #logger: StoreLogger | undefined;
  #thread: Thread | null = null;

  constructor(config: WriterConfig, logger?: StoreLogger) {
    this.#config = config;
    this.#logger = logger;
  }

  /** Start the thread and wait until its connection is open (so a failure surfaces at init). */
  async start(): Promise<void> {
    await this.#current().ready;
  }

  /** GroupCommit's CommitBatch: one entry per record, null when stored. */
  commit(records: readonly EncodedRecord[]): Promise<(Error | null)[]> {
    return this.#current().commit(records);
  }

  /** Call after the group commit drained: every batch sent is answered before the thread exits. */
  async close(): Promise<void> {
    const thread = this.#thread;
    this.#thread = null;
    await thread?.close();
  }

  /**
   * Stop the thread at once, whether it owes answers or not: what a crash of the thread looks
   * like to the store (its unconfirmed batches fail, the next batch starts a new thread).
   */
  async abort(): Promise<void> {
    await this.#thread?.terminate();
  }

  #current(): Thread {
    this.#thread ??= new Thread(this.#config, this.#logger, (t) => {
      if (this.#thread === t) this.#thread = null;
    });
    return this.#thread;
  }
}
