/**
 * Versioned schema migrations for both databases.
 *
 * Each migration has a version number that is recorded in `schema_migrations` once applied.
 * The runners take a database-wide write lock first (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
 * `pg_advisory_xact_lock`) and then apply only the versions that are missing, so several
 * workers starting at the same moment apply each migration exactly once and never see a
 * half-created schema. Never edit a migration that has shipped: add a new version.
 *
 * Shape (both databases):
 * - `responses`: one row per stored response: its own response object JSON and `parent_id`
 *   (the previous response), never a copy of the history. `deleted_at` marks a tombstone: a
 *   deleted response whose items are still part of a descendant's history (its JSON is cleared).
 * - `response_items`: the items that response added, `seq` ordering inputs (`is_output` = 0)
 *   before outputs (`is_output` = 1). Primary key (response_id, seq) is what the history CTE
 *   and the input-item listing read.
 * - `gateway_secrets` (v2): small named secrets every process sharing the store must agree on
 *   (the sealing key of compaction / encrypted-reasoning blobs); written insert-if-absent.
 * - `conversations` / `conversation_items` (v3): the Conversations API. A conversation row holds
 *   its owner principal, metadata and `next_seq`, the counter appends advance under the row's
 *   write lock (so concurrent appends from several workers never lose or duplicate items); each
 *   item is one row keyed (conversation_id, seq), with its item id unique per conversation.
 * - `response_runs` (v4): one row per background run while it lives and after: its status
 *   (`queued`, `in_progress`, then terminal), the latest response object, the worker holding it
 *   (`worker`, `lease_expires_at` in ms: a lease the owner renews; an expired lease marks an
 *   orphan another worker settles), `cancel_requested`, and `last_seq`, the highest stored event.
 * - `response_events` (v4): the stream events of a background run, keyed by (response_id, seq),
 *   written in batches as produced; a resumed stream replays them after a sequence number.
 * - v5: an index on `response_items(item_id)`, for `item_reference`s to any stored item.
 * - `responses.owner` (v6): the principal that created the response. Rows written before
 *   v6 get `LEGACY_OWNER`, the principal of a gateway without API keys: after an upgrade
 *   they stay readable where no keys are configured (where they were most likely created), and
 *   with keys configured they belong to no key at all (404 for everyone) rather than to every
 *   key. An operator who knows who created them can reassign them with one UPDATE.
 * - `response_runs.input_json` (v7): a live background run's input items, so an orphaned run
 *   (its owner died) is stored with its input like any response; cleared when the run ends.
 * - v8 (SQLite, new databases only): `responses_parent_id` and `response_items_item_id` become
 *   partial indexes (`WHERE … IS NOT NULL`); see PARTIAL_INDEXES_SQL.
 * JSON is stored as text (not JSONB) so objects come back byte-for-byte, key order included.
 */
import type Database from 'better-sqlite3';
import type { PoolClient } from 'pg';
import { LEGACY_OWNER } from './owner.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  /** SQLite only: runs after `statements`, for a step that depends on what the database holds. */
  apply?: (db: Database.Database) => void;
}

/**
 * v8 (SQLite): the two secondary indexes without the rows they never serve. Every lookup through
 * them is by a value (`parent_id = ?`, `item_id = ?`, `item_id IN (…)`), which SQLite's planner
 * matches to a `… IS NOT NULL` partial index; NULL entries — the parent of every first turn, the
 * id of every input item sent without one — are pure write cost (the NULL `item_id` entries,
 * ordered by response id, land on a random page each: ~2 of the ~11 pages a response writes).
 * Rebuilding an index reads the whole table, so it is done only while both tables are empty
 * (a new database); an existing one keeps its full indexes, which answer the same queries with
 * the same plans (README: how to rebuild them offline).
 */
export const PARTIAL_INDEXES_SQL = `
  DROP INDEX responses_parent_id;
  CREATE INDEX responses_parent_id ON responses(parent_id) WHERE parent_id IS NOT NULL;
  DROP INDEX response_items_item_id;
  CREATE INDEX response_items_item_id ON response_items(item_id) WHERE item_id IS NOT NULL;`;

function partialIndexesIfEmpty(db: Database.Database): void {
  const empty = db.prepare('SELECT NOT EXISTS (SELECT 1 FROM responses) AND NOT EXISTS (SELECT 1 FROM response_items)').pluck().get();
  if (empty === 1) db.exec(PARTIAL_INDEXES_SQL);
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'responses and response_items',
    statements: [
      `CREATE TABLE responses (
         id TEXT PRIMARY KEY,
         parent_id TEXT,
         response_json TEXT,
         created_at INTEGER NOT NULL,
         deleted_at INTEGER
       )`,
      // Children lookups: deletion decides between tombstone and removal.
      `CREATE INDEX responses_parent_id ON responses(parent_id)`,
      // WITHOUT ROWID: rows are clustered by (response_id, seq), the order every query reads.
      `CREATE TABLE response_items (
         response_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         is_output INTEGER NOT NULL,
         item_id TEXT,
         item_json TEXT NOT NULL,
         PRIMARY KEY (response_id, seq)
       ) WITHOUT ROWID`,
    ],
  },
  {
    version: 2,
    name: 'gateway_secrets',
    statements: [
      `CREATE TABLE gateway_secrets (
         name TEXT PRIMARY KEY,
         value TEXT NOT NULL,
         created_at INTEGER NOT NULL
       )`,
    ],
  },
  {
    version: 3,
    name: 'conversations and conversation_items',
    statements: [
      `CREATE TABLE conversations (
         id TEXT PRIMARY KEY,
         owner TEXT NOT NULL,
         metadata_json TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         next_seq INTEGER NOT NULL DEFAULT 0
       )`,
      `CREATE TABLE conversation_items (
         conversation_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         item_id TEXT NOT NULL,
         item_json TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         PRIMARY KEY (conversation_id, seq)
       ) WITHOUT ROWID`,
      `CREATE UNIQUE INDEX conversation_items_item_id ON conversation_items(conversation_id, item_id)`,
    ],
  },
  {
    version: 4,
    name: 'response_runs and response_events',
    statements: [
      `CREATE TABLE response_runs (
         id TEXT PRIMARY KEY,
         owner TEXT,
         status TEXT NOT NULL,
         response_json TEXT NOT NULL,
         worker TEXT,
         lease_expires_at INTEGER,
         cancel_requested INTEGER NOT NULL DEFAULT 0,
         last_seq INTEGER NOT NULL DEFAULT -1,
         created_at INTEGER NOT NULL
       )`,
      // The orphan sweep reads only live runs.
      `CREATE INDEX response_runs_live ON response_runs(lease_expires_at) WHERE status IN ('queued', 'in_progress')`,
      `CREATE TABLE response_events (
         response_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         event_json TEXT NOT NULL,
         PRIMARY KEY (response_id, seq)
       ) WITHOUT ROWID`,
    ],
  },
  {
    version: 5,
    name: 'response_items item_id index',
    statements: [`CREATE INDEX response_items_item_id ON response_items(item_id)`],
  },
  {
    version: 6,
    name: 'response owner',
    statements: [
      // A constant default makes this O(1) on an existing table (no rewrite).
      `ALTER TABLE responses ADD COLUMN owner TEXT NOT NULL DEFAULT '${LEGACY_OWNER}'`,
    ],
  },
  {
    version: 7,
    name: 'response_runs input items',
    statements: [`ALTER TABLE response_runs ADD COLUMN input_json TEXT`],
  },
  {
    version: 8,
    name: 'partial indexes on parent_id and item_id (new databases)',
    statements: [],
    apply: partialIndexesIfEmpty,
  },
];

/** `tables` is the (already quoted) schema prefix, e.g. `"vr_test".` or empty for search_path. */
export function postgresMigrations(tables: string): Migration[] {
  return [
    {
      version: 1,
      name: 'responses and response_items',
      statements: [
        `CREATE TABLE ${tables}responses (
           id TEXT PRIMARY KEY,
           parent_id TEXT,
           response_json TEXT,
           created_at BIGINT NOT NULL,
           deleted_at BIGINT
         )`,
        `CREATE INDEX responses_parent_id ON ${tables}responses(parent_id)`,
        `CREATE TABLE ${tables}response_items (
           response_id TEXT NOT NULL,
           seq INTEGER NOT NULL,
           is_output BOOLEAN NOT NULL,
           item_id TEXT,
           item_json TEXT NOT NULL,
           PRIMARY KEY (response_id, seq)
         )`,
      ],
    },
    {
      version: 2,
      name: 'gateway_secrets',
      statements: [
        `CREATE TABLE ${tables}gateway_secrets (
           name TEXT PRIMARY KEY,
           value TEXT NOT NULL,
           created_at BIGINT NOT NULL
         )`,
      ],
    },
    {
      version: 3,
      name: 'conversations and conversation_items',
      statements: [
        `CREATE TABLE ${tables}conversations (
           id TEXT PRIMARY KEY,
           owner TEXT NOT NULL,
           metadata_json TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           next_seq BIGINT NOT NULL DEFAULT 0
         )`,
        `CREATE TABLE ${tables}conversation_items (
           conversation_id TEXT NOT NULL,
           seq BIGINT NOT NULL,
           item_id TEXT NOT NULL,
           item_json TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           PRIMARY KEY (conversation_id, seq)
         )`,
        `CREATE UNIQUE INDEX conversation_items_item_id ON ${tables}conversation_items(conversation_id, item_id)`,
      ],
    },
    {
      version: 4,
      name: 'response_runs and response_events',
      statements: [
        `CREATE TABLE ${tables}response_runs (
           id TEXT PRIMARY KEY,
           owner TEXT,
           status TEXT NOT NULL,
           response_json TEXT NOT NULL,
           worker TEXT,
           lease_expires_at BIGINT,
           cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
           last_seq INTEGER NOT NULL DEFAULT -1,
           created_at BIGINT NOT NULL
         )`,
        `CREATE INDEX response_runs_live ON ${tables}response_runs(lease_expires_at) WHERE status IN ('queued', 'in_progress')`,
        `CREATE TABLE ${tables}response_events (
           response_id TEXT NOT NULL,
           seq INTEGER NOT NULL,
           event_json TEXT NOT NULL,
           PRIMARY KEY (response_id, seq)
         )`,
      ],
    },
    {
      version: 5,
      name: 'response_items item_id index',
      statements: [`CREATE INDEX response_items_item_id ON ${tables}response_items(item_id)`],
    },
    {
      version: 6,
      name: 'response owner',
      statements: [
        // PostgreSQL 11+ stores a constant default in the catalog: no table rewrite.
        `ALTER TABLE ${tables}responses ADD COLUMN owner TEXT NOT NULL DEFAULT '${LEGACY_OWNER}'`,
      ],
    },
    {
      version: 7,
      name: 'response_runs input items',
      statements: [`ALTER TABLE ${tables}response_runs ADD COLUMN input_json TEXT`],
    },
    {
      // The version numbers stay aligned with SQLite's; its v8 (partial indexes) is SQLite's only.
      version: 8,
      name: 'partial indexes on parent_id and item_id (SQLite only)',
      statements: [],
    },
  ];
}

/** Apply missing SQLite migrations inside one IMMEDIATE transaction (blocks other writers). */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[] = SQLITE_MIGRATIONS): number[] {
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
               version INTEGER PRIMARY KEY,
               name TEXT NOT NULL,
               applied_at INTEGER NOT NULL
             )`);
    const done = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const sql of m.statements) db.exec(sql);
      m.apply?.(db);
      record.run(m.version, m.name, Math.floor(Date.now() / 1000));
      applied.push(m.version);
    }
    return applied;
  });
  return run.immediate();
}

/**
 * Apply missing PostgreSQL migrations. The advisory lock is transaction-scoped, keyed by the
 * schema, so concurrent starters queue behind the first one and then find nothing to do.
 */
export async function migratePostgres(client: PoolClient, schema: string | undefined): Promise<number[]> {
  const tables = schema ? `${quoteIdent(schema)}.` : '';
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vllm_responses:migrate:${schema ?? ''}`]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables}schema_migrations (
                          version INTEGER PRIMARY KEY,
                          name TEXT NOT NULL,
                          applied_at BIGINT NOT NULL
                        )`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${tables}schema_migrations`);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of postgresMigrations(tables)) {
      if (done.has(m.version)) continue;
      for (const sql of m.statements) await client.query(sql);
      await client.query(`INSERT INTO ${tables}schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        Math.floor(Date.now() / 1000),
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Schema names come from configuration, never from requests; still, only plain identifiers pass. */
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(name)}: use letters, digits and _`);
  return `"${name}"`;
}
