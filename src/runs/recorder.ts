/**
 * Writes a background run's events to the store as they are produced, in batches: the first
 * event of an empty buffer arms a short timer (`flushMs`), a full batch is written at once, and
 * only one write is in flight per run, so a busy run coalesces many events per transaction
 * (never one write per token) while a quiet one adds at most `flushMs` of latency.
 */
import type { StreamEvent } from '../engine/composer.js';
import type { ResponseObject, RunStatus, RunStore, StoredEvent } from '../store/types.js';

const MAX_WRITE_FAILURES = 5;

export interface RecorderOptions {
  runs: RunStore;
  id: string;
  worker: string;
  flushMs: number;
  batchEvents: number;
  /** Called after each successful write (wakes local followers). */
  onWritten: () => void;
  /** The lease was lost (another worker settled the run): stop producing. */
  onLost: () => void;
}

export class RunRecorder {
  #buffer: StoredEvent[] = [];
  #pendingUpdate: { status: RunStatus; response: ResponseObject } | undefined;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  #lost = false;
  #error: unknown = null;
  #failures = 0;

  constructor(private readonly opts: RecorderOptions) {}

  get lost(): boolean {
    return this.#lost;
  }

  /** Queue a batch of events (serialised now: the objects may be reused by the caller). */
  push(events: StreamEvent[], update?: { status: RunStatus; response: ResponseObject }): void {
    for (const ev of events) this.#buffer.push({ seq: ev.sequence_number, json: JSON.stringify(ev) });
    if (update) this.#pendingUpdate = update;
    if (this.#buffer.length >= this.opts.batchEvents || update) this.#schedule(0);
    else this.#schedule(this.opts.flushMs);
  }

  /** Write everything still buffered together with the final status; resolves once stored. */
  async finish(update: { status: RunStatus; response: ResponseObject }, events: StreamEvent[] = []): Promise<void> {
    this.push(events, update);
    while (this.#writing || this.#buffer.length || this.#pendingUpdate) {
      if (this.#lost) break;
      if (!this.#writing) this.#flushNow();
      await this.#writing;
    }
    if (this.#error) throw this.#error;
  }

  #schedule(delayMs: number): void {
    if (this.#writing) return; // the write in flight picks the buffer up when it ends
    if (delayMs === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#flushNow();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#flushNow();
    }, delayMs);
  }

  #flushNow(): void {
    if (this.#writing || this.#lost || (!this.#buffer.length && !this.#pendingUpdate)) return;
    const batch = this.#buffer;
    const update = this.#pendingUpdate;
    this.#buffer = [];
    this.#pendingUpdate = undefined;
    this.#writing = this.opts.runs
      .append(this.opts.id, this.opts.worker, batch, update)
      .then(
        (held) => {
          if (!held) {
            this.#lost = true;
            this.opts.onLost();
            return;
          }
          this.#failures = 0;
          this.#error = null;
          this.opts.onWritten();
        },
        (err: unknown) => {
          // A failed write is retried with the next batch (events kept in order), a few times;
          // then the run cannot be recorded and stops, like a lost lease.
          this.#error = err;
          this.#buffer = batch.concat(this.#buffer);
          this.#pendingUpdate ??= update;
          if (++this.#failures >= MAX_WRITE_FAILURES) {
            this.#lost = true;
            this.opts.onLost();
          }
        },
      )
      .finally(() => {
        this.#writing = null;
        if (!this.#lost && (this.#buffer.length || this.#pendingUpdate)) this.#schedule(this.#error ? Math.max(this.opts.flushMs, 100) : this.opts.flushMs);
      });
  }
}
