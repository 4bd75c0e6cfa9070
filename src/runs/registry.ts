/**
 * The runs this process owns, and its part in the cluster-wide bookkeeping:
 * - a lease per run, renewed by a heartbeat; an owner that stops renewing (killed, frozen) lets
 *   the lease expire, and any live worker or instance then settles the orphan `failed` (a
 *   restart does the same at start-up), so nothing stays `in_progress` for ever;
 * - cancellation from anywhere: a flag in the store plus a notification (PostgreSQL) or the
 *   next heartbeat (SQLite) reaches the owner, which aborts the run;
 * - wake-ups for followers: local ones after each write of this process, remote ones through
 *   the store's notifications where it has them, else a poll interval.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import { ANONYMOUS_PRINCIPAL } from '../api/principal.js';
import type { Cancellation, CancelSignal } from '../cancellation/cancellation.js';
import type { Item } from '../api/items.js';
import type { RunSettings } from '../config/run-settings.js';
import type { StreamEvent } from '../engine/composer.js';
import type { ResponseObject, ResponseStore, RunRecord, RunStatus, RunStore, StoreLogger } from '../store/types.js';
import { LIVE_RUN_STATUSES } from '../store/types.js';

/** The stream event that ends a run in this status. */
export function terminalEventType(status: RunStatus): string {
  if (status === 'completed') return 'response.completed';
  if (status === 'failed') return 'response.failed';
  return 'response.incomplete';
}

export function orphanError(): ApiError {
  return new ApiError(
    500,
    'The gateway process running this background response stopped before it finished (its lease expired); the response was not completed.',
    'server_error',
    null,
    'background_run_lost',
  );
}

export function shutdownError(): ApiError {
  return new ApiError(503, 'The gateway shut down before this background response finished.', 'server_error', null, 'gateway_shutdown');
}

interface LiveRun {
  cancellation: Cancellation;
  done: Promise<void>;
}

export class RunRegistry {
  /** This process's identity in lease columns (unique per process start). */
  readonly worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #live = new Map<string, LiveRun>();
  readonly #bus = new EventEmitter();
  #heartbeat: NodeJS.Timeout | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #closed = false;
  #beating = false;

  constructor(
    readonly store: ResponseStore,
    readonly settings: RunSettings,
    private readonly logger: StoreLogger,
  ) {
    this.#bus.setMaxListeners(0);
  }

  get runs(): RunStore {
    return this.store.runs;
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** Listen for notifications (where the store has them), settle orphans, start the heartbeat. */
  async start(): Promise<void> {
    if (this.runs.listen) {
      try {
        this.#unlisten = await this.runs.listen((kind, id) => {
          if (kind === 'events') this.#bus.emit(id);
          else this.#live.get(id)?.cancellation.abort();
        });
      } catch (err) {
        this.logger.warn({ err }, 'background runs: cannot LISTEN for notifications; polling instead');
      }
    }
    await this.#beat();
    const every = this.#unlisten ? this.settings.leaseMs / 3 : Math.min(this.settings.pollMs, this.settings.leaseMs / 3);
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(5, Math.floor(every)));
    this.#heartbeat.unref();
  }

  /** Wait for live runs (bounded), then fail the rest: their clients can still read them. */
  async close(graceMs = this.settings.shutdownGraceMs): Promise<void> {
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const runs = [...this.#live.values()];
    if (runs.length) {
      const all = Promise.allSettled(runs.map((r) => r.done));
      const timer = new Promise((r) => setTimeout(r, graceMs).unref());
      await Promise.race([all, timer]);
      for (const r of this.#live.values()) r.cancellation.abort(shutdownError());
      await all;
    }
    await this.#unlisten?.().catch(() => undefined);
  }

  /** Track a run this process executes; `done` settles when it has been fully recorded. */
  adopt(id: string, cancellation: Cancellation, done: Promise<void>): void {
    this.#live.set(id, { cancellation, done });
    void done.finally(() => this.#live.delete(id));
  }

  isLive(id: string): boolean {
    return this.#live.has(id);
  }

  /** Abort a run this process owns (a cancel request that reached the owner). */
  abortLocal(id: string): boolean {
    const run = this.#live.get(id);
    if (!run) return false;
    run.cancellation.abort();
    return true;
  }

  /** Wake followers of `id` in this process (after a write). */
  wake(id: string): void {
    this.#bus.emit(id);
  }

  /**
   * Resolves at the next write to `id` this process hears of, or after the poll interval
   * (writes by processes that cannot notify), or when `signal` aborts. Create it before reading,
   * so a write between the read and the wait is not missed.
   */
  nextWake(id: string, signal?: CancelSignal): { promise: Promise<void>; cancel: () => void } {
    let done!: () => void;
    const promise = new Promise<void>((r) => (done = r));
    const timer = setTimeout(finish, this.settings.pollMs);
    function finish(): void {
      clearTimeout(timer);
      cleanup();
      done();
    }
    const cleanup = (): void => {
      this.#bus.off(id, finish);
      signal?.removeEventListener('abort', finish);
    };
    this.#bus.on(id, finish);
    signal?.addEventListener('abort', finish, { once: true });
    return { promise, cancel: finish };
  }

  /** Renew this process's leases, act on cancel flags, settle expired runs of others. */
  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return;
    this.#beating = true;
    try {
      const now = Date.now();
      if (this.#live.size) {
        for (const id of await this.runs.renew(this.worker, [...this.#live.keys()], now + this.settings.leaseMs)) this.abortLocal(id);
      }
      await this.sweep(now);
    } catch (err) {
      this.logger.warn({ err }, 'background runs: heartbeat failed');
    } finally {
      this.#beating = false;
    }
  }

  #lastSweep = 0;

  /** Settle runs whose owner's lease expired (at most once per third of a lease). */
  async sweep(now = Date.now(), force = false): Promise<void> {
    if (!force && now - this.#lastSweep < this.settings.leaseMs / 3) return;
    this.#lastSweep = now;
    for (;;) {
      const orphans = await this.runs.claimExpired(this.worker, now, now + this.settings.leaseMs, 32);
      for (const run of orphans) await this.#settleOrphan(run);
      if (orphans.length < 32) return;
    }
  }

  /**
   * End an orphan `failed`, or with the status its response was already stored with (the owner
   * died between storing the response and closing the run).
   */
  async #settleOrphan(run: RunRecord): Promise<void> {
    try {
      // Stored responses are read and written as their owner (store/types.ts: ownership).
      const owner = run.owner ?? ANONYMOUS_PRINCIPAL;
      let response: ResponseObject | null = await this.store.get(run.id, owner);
      const events: StreamEvent[] = [];
      let seq = run.lastSeq + 1;
      if (response && !LIVE_RUN_STATUSES.has(response.status as RunStatus)) {
        events.push({ type: terminalEventType(response.status as RunStatus), sequence_number: seq++, response });
      } else {
        const err = orphanError();
        response = { ...run.response, status: 'failed', completed_at: null, incomplete_details: null, error: { code: err.code, message: err.message } };
        await this.#storeFailed(response, owner, await this.runs.inputItems(run.id));
        events.push({ type: 'error', sequence_number: seq++, error: { type: err.type, code: err.code, message: err.message, param: null } });
        events.push({ type: 'response.failed', sequence_number: seq++, response });
      }
      const stored = events.map((ev) => ({ seq: ev.sequence_number, json: JSON.stringify(ev) }));
      await this.runs.append(run.id, this.worker, stored, { status: response.status as RunStatus, response });
      this.wake(run.id);
      this.logger.warn({ response_id: run.id, previous_owner: run.worker, status: response.status }, 'background run orphaned (owner lease expired); settled');
    } catch (err) {
      this.logger.warn({ err, response_id: run.id }, 'background runs: cannot settle an orphaned run; retried at the next sweep');
    }
  }

  /** Keep the failed response retrievable like any other failed one (best effort). */
  async #storeFailed(response: ResponseObject, owner: string, inputItems: Item[]): Promise<void> {
    const parent = typeof response.previous_response_id === 'string' ? response.previous_response_id : null;
    const output = Array.isArray(response.output) ? (response.output as never[]) : [];
    const record = { id: response.id, owner, inputItems, outputItems: output, response, createdAt: Number(response.created_at) || Math.floor(Date.now() / 1000) };
    try {
      await this.store.put({ ...record, parentId: parent });
    } catch {
      // The parent may have been deleted meanwhile: store it unlinked rather than not at all.
      await this.store.put({ ...record, parentId: null }).catch(() => undefined);
    }
  }
}
