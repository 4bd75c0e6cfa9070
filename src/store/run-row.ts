/** Row ↔ RunRecord, shared by the SQLite and PostgreSQL run stores. */
import type { RunRecord, RunStatus } from './types.js';

export interface RunRow {
  id: string;
  owner: string | null;
  status: string;
  response_json: string;
  worker: string | null;
  lease_expires_at: number | string | null;
  cancel_requested: number | boolean;
  last_seq: number;
}

export function decodeRunRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    owner: row.owner,
    status: row.status as RunStatus,
    response: JSON.parse(row.response_json) as RunRecord['response'],
    worker: row.worker,
    leaseExpiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
    cancelRequested: row.cancel_requested === true || row.cancel_requested === 1,
    lastSeq: Number(row.last_seq),
  };
}

export const RUN_COLUMNS = 'id, owner, status, response_json, worker, lease_expires_at, cancel_requested, last_seq';
