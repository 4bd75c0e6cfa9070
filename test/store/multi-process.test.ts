/**
 * Several worker processes on one database: migrations raced at start-up, 500 concurrent
 * continuations, no lost or duplicated rows.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databases, openStore, type BackendSpec } from '../support/stores.js';
import { expectedItems, TEST_OWNER, turn } from './support/records.js';
import { runTogether } from './support/spawn-worker.js';
import type { ContinueResult } from './support/store-worker.js';
import { SQLITE_MIGRATIONS } from '../../src/store/migrations.js';

const WORKERS = 4;
const CONTINUATIONS = 500;

/** Raw counts straight from the tables, bypassing the store. */
async function countRows(spec: BackendSpec): Promise<{ migrations: number[]; responses: number; items: number; distinctItemIds: number }> {
  const sql = {
    migrations: 'SELECT version FROM schema_migrations ORDER BY version',
    counts: `SELECT (SELECT count(*) FROM responses) AS responses, (SELECT count(*) FROM response_items) AS items,
                    (SELECT count(DISTINCT item_id) FROM response_items) AS distinct_ids`,
  };
  if (spec.kind === 'sqlite') {
    const db = new Database(spec.path, { readonly: true });
    try {
      const c = db.prepare(sql.counts).get() as { responses: number; items: number; distinct_ids: number };
      const migrations = (db.prepare(sql.migrations).all() as { version: number }[]).map((r) => r.version);
      return { migrations, responses: c.responses, items: c.items, distinctItemIds: c.distinct_ids };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: spec.url });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${spec.schema}"`);
    const c = (await client.query(sql.counts)).rows[0] as Record<string, string>;
    const migrations = (await client.query(sql.migrations)).rows.map((r: { version: number }) => r.version);
    return { migrations, responses: Number(c.responses), items: Number(c.items), distinctItemIds: Number(c.distinct_ids) };
  } finally {
    await client.end();
  }
}

for (const { name, create: make } of databases()) {
  describe(`multi-process store on ${name}`, () => {
    it(`${WORKERS} processes racing migrations on a fresh database all succeed, each version applied once`, async () => {
      const backend = make();
      try {
        await runTogether(Array.from({ length: WORKERS }, () => ({ mode: 'migrate' as const, spec: backend.spec })));
        const counts = await countRows(backend.spec);
        expect(counts.migrations).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
        expect(counts.responses).toBe(0);
      } finally {
        await backend.cleanup();
      }
    });

    it(`${WORKERS} processes, ${CONTINUATIONS} concurrent continuations: nothing lost, nothing duplicated`, async () => {
      const backend = make();
      const store = openStore(backend.spec);
      try {
        await store.init();
        const roots = Array.from({ length: 5 }, (_, i) => turn(`root${i}`));
        for (const r of roots) await store.put(r);
        const per = CONTINUATIONS / WORKERS;
        const results = (await runTogether(
          Array.from({ length: WORKERS }, (_, worker) => ({
            mode: 'continue' as const,
            spec: backend.spec,
            roots: roots.map((r) => r.id),
            count: per,
            parallel: backend.spec.kind === 'postgres' ? 8 : 4,
            worker,
          })),
        )) as ContinueResult[];

        const written = results.flatMap((r) => r.written);
        expect(written).toHaveLength(CONTINUATIONS);
        expect(new Set(written.map((w) => w.id)).size).toBe(CONTINUATIONS);
        const counts = await countRows(backend.spec);
        expect(counts.responses).toBe(roots.length + CONTINUATIONS);
        expect(counts.items).toBe(2 * (roots.length + CONTINUATIONS));
        expect(counts.distinctItemIds).toBe(counts.items);
        // Every continuation hydrates to exactly its chain.
        for (const w of written) {
          const history = await store.getHistory(w.id, TEST_OWNER);
          expect(history?.items).toHaveLength(2 * (w.depth + 1));
          expect(history?.response.metadata).toEqual({ worker: expect.any(String), depth: String(w.depth) });
        }
        const someRoot = roots[0]!;
        expect((await store.getHistory(someRoot.id, TEST_OWNER))?.items).toEqual(expectedItems([someRoot]));
      } finally {
        await store.close();
        await backend.cleanup();
      }
    }, 120_000);
  });
}
