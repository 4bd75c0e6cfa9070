/**
 * Migration 6 gives rows written before owners existed to the auth-off principal: readable where
 * no API keys are configured, unreachable for every key where keys are.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS_PRINCIPAL, principalOf } from '../../src/api/principal.js';
import { migrateSqlite, postgresMigrations, quoteIdent, SQLITE_MIGRATIONS } from '../../src/store/migrations.js';
import { LEGACY_OWNER } from '../../src/store/owner.js';
import { POSTGRES_URL, openStore, postgresBackend, sqliteBackend, type Backend } from '../support/stores.js';

const LEGACY_ROW = { id: 'resp_legacy0001', json: JSON.stringify({ id: 'resp_legacy0001', object: 'response', status: 'completed' }) };

async function expectLegacyRules(backend: Backend): Promise<void> {
  const store = openStore(backend.spec);
  await store.init();
  try {
    expect(await store.get(LEGACY_ROW.id, ANONYMOUS_PRINCIPAL)).toEqual(JSON.parse(LEGACY_ROW.json));
    expect(await store.get(LEGACY_ROW.id, principalOf('sk-any-key'))).toBeNull();
    expect(await store.getHistory(LEGACY_ROW.id, principalOf('sk-any-key'))).toBeNull();
  } finally {
    await store.close();
  }
}

describe('owner migration', () => {
  it('the legacy owner is the auth-off principal (baked into existing databases)', () => {
    expect(LEGACY_OWNER).toBe(ANONYMOUS_PRINCIPAL);
  });

  it('sqlite: rows from before version 6 belong to the auth-off principal', async () => {
    const backend = sqliteBackend();
    try {
      if (backend.spec.kind !== 'sqlite') throw new Error('unreachable');
      const db = new Database(backend.spec.path);
      migrateSqlite(db, SQLITE_MIGRATIONS.filter((m) => m.version === 1));
      db.prepare('INSERT INTO responses (id, parent_id, response_json, created_at) VALUES (?, NULL, ?, 1)').run(LEGACY_ROW.id, LEGACY_ROW.json);
      db.close();
      await expectLegacyRules(backend);
    } finally {
      await backend.cleanup();
    }
  });

  it.runIf(POSTGRES_URL)('postgres: rows from before version 6 belong to the auth-off principal', async () => {
    const backend = postgresBackend(POSTGRES_URL!);
    try {
      if (backend.spec.kind !== 'postgres') throw new Error('unreachable');
      const schema = backend.spec.schema;
      const t = `${quoteIdent(schema)}.`;
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
        await client.query(`CREATE TABLE ${t}schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
        const v1 = postgresMigrations(t).find((m) => m.version === 1)!;
        for (const sql of v1.statements) await client.query(sql);
        await client.query(`INSERT INTO ${t}schema_migrations VALUES (1, $1, 1)`, [v1.name]);
        await client.query(`INSERT INTO ${t}responses (id, parent_id, response_json, created_at) VALUES ($1, NULL, $2, 1)`, [LEGACY_ROW.id, LEGACY_ROW.json]);
      } finally {
        await client.end();
      }
      await expectLegacyRules(backend);
    } finally {
      await backend.cleanup();
    }
  });
});
