/**
 * Background runs on SQLite: every worker on the machine shares the file, so the status rows,
 * leases and event log are shared too. SQLite has no notifications: followers and owners poll
 * (short indexed reads, cheap in WAL mode).
 */
import type Database from 'better-sqlite3';
import type { Item } from '../api/items.js';
import { isImpossibleId } from './record-codec.js';
import { decodeRunRow, RUN_COLUMNS, type RunRow } from './run-row.js';
import type { ResponseObject, RunRecord, RunStatus, RunStore, StoredEvent } from './types.js';

function prepare(db: Database.Database) {
  return {
    create: db.prepare(
      `INSERT INTO response_runs (id, owner, status, response_json, worker, lease_expires_at, created_at, input_json)
       VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)`,
    ),
    insertEvent: db.prepare('INSERT INTO response_events (response_id, seq, event_json) VALUES (?, ?, ?)'),
    held: db.prepare(`SELECT last_seq FROM response_runs WHERE id = ? AND worker = ? AND status IN ('queued', 'in_progress')`).pluck(),
    setSeq: db.prepare('UPDATE response_runs SET last_seq = ? WHERE id = ?'),
    setStatus: db.prepare('UPDATE response_runs SET status = ?, response_json = ? WHERE id = ?'),
    release: db.prepare('UPDATE response_runs SET worker = NULL, lease_expires_at = NULL, cancel_requested = 0, input_json = NULL WHERE id = ?'),
    inputItems: db.prepare('SELECT input_json FROM response_runs WHERE id = ?').pluck(),
    events: db.prepare('SELECT seq, event_json AS json FROM response_events WHERE response_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    get: db.prepare(`SELECT ${RUN_COLUMNS} FROM response_runs WHERE id = ?`),
    flagCancel: db.prepare(`UPDATE response_runs SET cancel_requested = 1 WHERE id = ? AND status IN ('queued', 'in_progress')`),
    renew: db.prepare(
      `UPDATE response_runs SET lease_expires_at = ? WHERE worker = ? AND status IN ('queued', 'in_progress')
         AND id IN (SELECT value FROM json_each(?)) RETURNING id, cancel_requested`,
    ),
    expired: db.prepare(
      `SELECT ${RUN_COLUMNS} FROM response_runs WHERE status IN ('queued', 'in_progress') AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?`,
    ),
    claim: db.prepare('UPDATE response_runs SET worker = ?, lease_expires_at = ? WHERE id = ?'),
    deleteEvents: db.prepare('DELETE FROM response_events WHERE response_id = ?'),
    deleteRun: db.prepare('DELETE FROM response_runs WHERE id = ?'),
  };
}

export class SqliteRunStore implements RunStore {
  #st: ReturnType<typeof prepare> | null = null;
  #db: Database.Database | null = null;

  constructor(private readonly retry: <T>(fn: () => T) => Promise<T>) {}

  /** Called by the owning SqliteResponseStore once its connection is open (and with null on close). */
  attach(db: Database.Database | null): void {
    this.#db = db;
    this.#st = db ? prepare(db) : null;
  }

  #open(): { db: Database.Database; st: ReturnType<typeof prepare> } {
    if (!this.#db || !this.#st) throw new Error('SqliteRunStore used before init() or after close()');
    return { db: this.#db, st: this.#st };
  }

  async create(run: { id: string; owner: string | null; worker: string; leaseExpiresAt: number; response: ResponseObject; createdAt: number; inputItems: Item[] }): Promise<void> {
    const { st } = this.#open();
    const json = JSON.stringify(run.response);
    const input = JSON.stringify(run.inputItems);
    await this.retry(() => st.create.run(run.id, run.owner, json, run.worker, run.leaseExpiresAt, Math.floor(run.createdAt), input));
  }

  async inputItems(id: string): Promise<Item[]> {
    if (isImpossibleId(id)) return [];
    const { st } = this.#open();
    const json = st.inputItems.get(id) as string | null | undefined;
    return json ? (JSON.parse(json) as Item[]) : [];
  }

  async append(id: string, worker: string, events: StoredEvent[], update?: { status: RunStatus; response: ResponseObject }): Promise<boolean> {
    const { db, st } = this.#open();
    const json = update ? JSON.stringify(update.response) : null;
    const write = db.transaction((): boolean => {
      if (st.held.get(id, worker) === undefined) return false;
      for (const ev of events) st.insertEvent.run(id, ev.seq, ev.json);
      if (events.length) st.setSeq.run(events[events.length - 1]!.seq, id);
      if (update) {
        st.setStatus.run(update.status, json, id);
        if (update.status !== 'queued' && update.status !== 'in_progress') st.release.run(id);
      }
      return true;
    });
    return this.retry(() => write.immediate());
  }

  async events(id: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    if (isImpossibleId(id)) return [];
    return this.#open().st.events.all(id, afterSeq, limit) as StoredEvent[];
  }

  async get(id: string): Promise<RunRecord | null> {
    if (isImpossibleId(id)) return null;
    const row = this.#open().st.get.get(id) as RunRow | undefined;
    return row ? decodeRunRow(row) : null;
  }

  async requestCancel(id: string): Promise<RunRecord | null> {
    if (isImpossibleId(id)) return null;
    const { db, st } = this.#open();
    const run = db.transaction((): RunRow | undefined => {
      st.flagCancel.run(id);
      return st.get.get(id) as RunRow | undefined;
    });
    const row = await this.retry(() => run.immediate());
    return row ? decodeRunRow(row) : null;
  }

  async renew(worker: string, ids: string[], leaseExpiresAt: number): Promise<string[]> {
    if (!ids.length) return [];
    const { st } = this.#open();
    const rows = await this.retry(() => st.renew.all(leaseExpiresAt, worker, JSON.stringify(ids)) as { id: string; cancel_requested: number }[]);
    return rows.filter((r) => r.cancel_requested === 1).map((r) => r.id);
  }

  async claimExpired(worker: string, now: number, leaseExpiresAt: number, limit: number): Promise<RunRecord[]> {
    const { db, st } = this.#open();
    const run = db.transaction((): RunRow[] => {
      const rows = st.expired.all(now, limit) as RunRow[];
      for (const row of rows) st.claim.run(worker, leaseExpiresAt, row.id);
      return rows.map((row) => ({ ...row, worker, lease_expires_at: leaseExpiresAt }));
    });
    return (await this.retry(() => run.immediate())).map(decodeRunRow);
  }

  async delete(id: string): Promise<void> {
    if (isImpossibleId(id)) return;
    const { db, st } = this.#open();
    const run = db.transaction(() => {
      st.deleteEvents.run(id);
      st.deleteRun.run(id);
    });
    await this.retry(() => run.immediate());
  }
}
