/**
 * SIGKILL a writer in the middle of its writes, again and again, then prove the database
 * opens, passes its integrity check, and holds only complete responses.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databases, openStore, type BackendSpec } from '../support/stores.js';
import { TEST_OWNER, turn } from './support/records.js';
import { startWorker } from './support/spawn-worker.js';

const KILLS = 6;
const ITEMS_PER_RESPONSE = 40;

interface Row {
  id: string;
  parent_id: string | null;
  n_items: number;
  expected: string | null;
}

/** Per response: how many items it has and how many its own JSON says it should have. */
async function inspect(spec: BackendSpec): Promise<{ rows: Row[]; integrity: string }> {
  const sql = `SELECT r.id, r.parent_id, (SELECT count(*) FROM response_items i WHERE i.response_id = r.id) AS n_items,
                      %EXPECTED% AS expected
                 FROM responses r`;
  if (spec.kind === 'sqlite') {
    const db = new Database(spec.path);
    try {
      const integrity = db.pragma('integrity_check', { simple: true }) as string;
      const rows = db.prepare(sql.replace('%EXPECTED%', "json_extract(r.response_json, '$.metadata.n_items')")).all() as Row[];
      return { rows, integrity };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: spec.url });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${spec.schema}"`);
    const { rows } = await client.query<Row>(sql.replace('%EXPECTED%', "(r.response_json::json -> 'metadata' ->> 'n_items')"));
    return { rows: rows.map((r) => ({ ...r, n_items: Number(r.n_items) })), integrity: 'ok' };
  } finally {
    await client.end();
  }
}

for (const { name, create: make } of databases()) {
  describe(`crash safety on ${name}`, () => {
    it(`kill -9 a writer ${KILLS} times mid-write: no partial response, database intact`, async () => {
      const backend = make();
      const store = openStore(backend.spec);
      await store.init();
      const root = turn('crash-root', { metadata: { n_items: '2' } });
      await store.put(root);
      await store.close();
      const acked: string[] = [];
      try {
        for (let k = 0; k < KILLS; k++) {
          // Several lanes, so writes are group-committed in batches when they are killed.
          const worker = startWorker({ mode: 'crash-writer', spec: backend.spec, roots: [root.id], itemsPerResponse: ITEMS_PER_RESPONSE, lanes: 4 });
          await worker.ready;
          // Let it write for a varying while, then kill it wherever it is.
          await new Promise((r) => setTimeout(r, 80 + Math.random() * 200));
          worker.child.kill('SIGKILL');
          await worker.result.catch(() => undefined);
          for (const m of worker.stdout().matchAll(/^acked (\S+)$/gm)) acked.push(m[1]!);
        }
        const { rows, integrity } = await inspect(backend.spec);
        expect(integrity).toBe('ok');
        expect(rows.length).toBeGreaterThan(KILLS); // the writers did get work done
        const ids = new Set(rows.map((r) => r.id));
        // Every response whose write was acknowledged (the gateway then sends `completed`) survived.
        expect(acked.length).toBeGreaterThan(0);
        for (const id of acked) expect(ids.has(id), `acknowledged response ${id}`).toBe(true);
        for (const row of rows) {
          expect(row.n_items, `response ${row.id}`).toBe(Number(row.expected));
          if (row.parent_id !== null) expect(ids.has(row.parent_id)).toBe(true);
        }
        // And the store itself reopens and hydrates chains end to end (the leaves cover every row).
        const parents = new Set(rows.map((r) => r.parent_id));
        const leaves = rows.filter((r) => !parents.has(r.id));
        const reopened = openStore(backend.spec);
        await reopened.init();
        try {
          let hydrated = 0;
          for (const leaf of leaves) hydrated += (await reopened.getHistory(leaf.id, TEST_OWNER))?.items.length ?? 0;
          expect(hydrated).toBeGreaterThan(0);
        } finally {
          await reopened.close();
        }
      } finally {
        await backend.cleanup();
      }
    }, 120_000);
  });
}
