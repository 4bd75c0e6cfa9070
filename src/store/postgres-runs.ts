/**
 * Background runs on PostgreSQL, shared by every gateway instance on the database. Appends and
 * cancel requests `pg_notify` a channel in the same transaction, so followers and owners on other
 * instances wake up at commit time (`LISTEN` on one dedicated connection per process); polling
 * stays as the fallback when that connection is down.
 */
import pg from 'pg';
import type { Item } from '../api/items.js';
import { isImpossibleId } from './record-codec.js';
import { decodeRunRow, RUN_COLUMNS, type RunRow } from './run-row.js';
import type { ResponseObject, RunRecord, RunStatus, RunStore, StoreLogger, StoredEvent } from './types.js';

const LIVE = `status IN ('queued', 'in_progress')`;

/** One channel per schema, so isolated schemas (tests, tenants) never wake each other. */
function channelName(schema: string | undefined): string {
  return `vr_runs_${schema ?? 'public'}`.toLowerCase().slice(0, 63);
}

export class PostgresRunStore implements RunStore {
  readonly #channel: string;
  readonly #sql: ReturnType<typeof buildSql>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    schema: string | undefined,
    tables: string,
    private readonly logger: StoreLogger,
  ) {
    this.#channel = channelName(schema);
    this.#sql = buildSql(tables);
  }

  async create(run: { id: string; owner: string | null; worker: string; leaseExpiresAt: number; response: ResponseObject; createdAt: number; inputItems: Item[] }): Promise<void> {
    await this.pool.query(this.#sql.create, [run.id, run.owner, JSON.stringify(run.response), run.worker, run.leaseExpiresAt, Math.floor(run.createdAt), JSON.stringify(run.inputItems)]);
  }

  async inputItems(id: string): Promise<Item[]> {
    if (isImpossibleId(id)) return [];
    const { rows } = await this.pool.query<{ input_json: string | null }>(this.#sql.inputItems, [id]);
    const json = rows[0]?.input_json;
    return json ? (JSON.parse(json) as Item[]) : [];
  }

  async append(id: string, worker: string, events: StoredEvent[], update?: { status: RunStatus; response: ResponseObject }): Promise<boolean> {
    // One statement: the ownership check, the event rows, the status and the notification
    // commit together (a data-modifying CTE is one implicit transaction).
    const { rows } = await this.pool.query<{ held: string }>(this.#sql.append, [
      id,
      worker,
      events.map((e) => e.seq),
      events.map((e) => e.json),
      events.length ? events[events.length - 1]!.seq : null,
      update?.status ?? null,
      update ? JSON.stringify(update.response) : null,
      this.#channel,
      `events:${id}`,
    ]);
    return Number(rows[0]?.held ?? 0) > 0;
  }

  async events(id: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    if (isImpossibleId(id)) return [];
    const { rows } = await this.pool.query<{ seq: number; json: string }>(this.#sql.events, [id, afterSeq, limit]);
    return rows;
  }

  async get(id: string): Promise<RunRecord | null> {
    if (isImpossibleId(id)) return null;
    const { rows } = await this.pool.query<RunRow>(this.#sql.get, [id]);
    return rows[0] ? decodeRunRow(rows[0]) : null;
  }

  async requestCancel(id: string): Promise<RunRecord | null> {
    if (isImpossibleId(id)) return null;
    await this.pool.query(this.#sql.flagCancel, [id, this.#channel, `cancel:${id}`]);
    return this.get(id);
  }

  async renew(worker: string, ids: string[], leaseExpiresAt: number): Promise<string[]> {
    if (!ids.length) return [];
    const { rows } = await this.pool.query<{ id: string; cancel_requested: boolean }>(this.#sql.renew, [leaseExpiresAt, worker, ids]);
    return rows.filter((r) => r.cancel_requested).map((r) => r.id);
  }

  async claimExpired(worker: string, now: number, leaseExpiresAt: number, limit: number): Promise<RunRecord[]> {
    const { rows } = await this.pool.query<RunRow>(this.#sql.claim, [worker, leaseExpiresAt, now, limit]);
    return rows.map(decodeRunRow);
  }

  async delete(id: string): Promise<void> {
    if (isImpossibleId(id)) return;
    await this.pool.query(this.#sql.remove, [id]);
  }

  /** A dedicated connection (not from the pool: LISTEN holds it for good), reconnected on loss. */
  async listen(listener: (kind: 'events' | 'cancel', id: string) => void): Promise<() => Promise<void>> {
    let client: pg.Client | null = null;
    let closed = false;
    let retry: NodeJS.Timeout | null = null;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.connectionString });
      c.on('notification', (msg) => {
        const payload = msg.payload ?? '';
        const colon = payload.indexOf(':');
        const kind = payload.slice(0, colon);
        if (kind === 'events' || kind === 'cancel') listener(kind, payload.slice(colon + 1));
      });
      c.on('error', (err) => {
        this.logger.warn({ err }, 'postgres LISTEN connection lost; background runs fall back to polling until it is back');
        void c.end().catch(() => undefined);
        if (client === c) client = null;
        if (!closed) retry ??= setTimeout(() => { retry = null; void connect().catch(() => undefined); }, 1000);
      });
      await c.connect();
      await c.query(`LISTEN ${this.#channel}`);
      if (closed) await c.end();
      else client = c;
    };
    await connect();
    return async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
      client = null;
    };
  }
}

function buildSql(t: string) {
  return {
    create: `INSERT INTO ${t}response_runs (id, owner, status, response_json, worker, lease_expires_at, created_at, input_json)
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7)`,
    inputItems: `SELECT input_json FROM ${t}response_runs WHERE id = $1`,
    append: `
      WITH held AS (
        SELECT id FROM ${t}response_runs WHERE id = $1 AND worker = $2 AND ${LIVE} FOR UPDATE
      ), ev AS (
        INSERT INTO ${t}response_events (response_id, seq, event_json)
        SELECT held.id, x.seq, x.json FROM held, unnest($3::int[], $4::text[]) AS x(seq, json)
      ), upd AS (
        UPDATE ${t}response_runs r SET
          last_seq = COALESCE($5::int, r.last_seq),
          status = COALESCE($6::text, r.status),
          response_json = COALESCE($7::text, r.response_json),
          worker = CASE WHEN $6::text IS NULL OR $6::text IN ('queued', 'in_progress') THEN r.worker ELSE NULL END,
          lease_expires_at = CASE WHEN $6::text IS NULL OR $6::text IN ('queued', 'in_progress') THEN r.lease_expires_at ELSE NULL END,
          input_json = CASE WHEN $6::text IS NULL OR $6::text IN ('queued', 'in_progress') THEN r.input_json ELSE NULL END
        FROM held WHERE r.id = held.id
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM upd) AS held, pg_notify($8, $9)`,
    events: `SELECT seq, event_json AS json FROM ${t}response_events WHERE response_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    get: `SELECT ${RUN_COLUMNS} FROM ${t}response_runs WHERE id = $1`,
    flagCancel: `
      WITH upd AS (UPDATE ${t}response_runs SET cancel_requested = TRUE WHERE id = $1 AND ${LIVE} RETURNING id)
      SELECT pg_notify($2, $3) FROM upd`,
    renew: `UPDATE ${t}response_runs SET lease_expires_at = $1 WHERE worker = $2 AND id = ANY($3::text[]) AND ${LIVE} RETURNING id, cancel_requested`,
    // SKIP LOCKED: concurrent sweepers on other instances each take different orphans.
    claim: `
      UPDATE ${t}response_runs r SET worker = $1, lease_expires_at = $2
      FROM (SELECT id FROM ${t}response_runs WHERE ${LIVE} AND lease_expires_at < $3
            ORDER BY lease_expires_at LIMIT $4 FOR UPDATE SKIP LOCKED) o
      WHERE r.id = o.id
      RETURNING r.id, r.owner, r.status, r.response_json, r.worker, r.lease_expires_at, r.cancel_requested, r.last_seq`,
    remove: `WITH gone AS (DELETE FROM ${t}response_events WHERE response_id = $1)
             DELETE FROM ${t}response_runs WHERE id = $1`,
  };
}
