/**
 * The one registry of store backends for tests. Each is real and isolated per use: a temp SQLite
 * file, a fresh PostgreSQL schema (dropped at the end), a Redis key prefix (keys removed at the
 * end). PostgreSQL and Redis are used when VR_TEST_POSTGRES_URL / VR_TEST_REDIS_URL are set (CI
 * sets both); when set and unreachable, opening fails and so do the tests (never a silent skip).
 *
 * Two views of the same list:
 * - `databases()`: the databases alone, as JSON-serialisable specs a child process can reopen
 *   (store-level tests: contract, migrations, crash and multi-process runs, the cache over each);
 * - `storeBackends()`: every store configuration the gateway can run on (each database, and each
 *   behind the Redis cache), opened and initialised (end-to-end tests through the HTTP server).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { PostgresResponseStore } from '../../src/store/postgres-store.js';
import { RedisCachedStore } from '../../src/store/redis-cache.js';
import { SqliteResponseStore } from '../../src/store/sqlite-store.js';
import type { ResponseStore, StoreLogger } from '../../src/store/types.js';

export const POSTGRES_URL = process.env.VR_TEST_POSTGRES_URL || undefined;
export const REDIS_URL = process.env.VR_TEST_REDIS_URL || undefined;

/** Everything a child process needs to open the same database (JSON-serialisable). */
export type BackendSpec =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string };

export function openStore(spec: BackendSpec): ResponseStore {
  return spec.kind === 'sqlite'
    ? new SqliteResponseStore({ path: spec.path })
    : new PostgresResponseStore({ connectionString: spec.url, schema: spec.schema });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(6).toString('hex')}`;
}

/** One isolated database: where it is, and how to remove it. */
export interface Backend {
  spec: BackendSpec;
  cleanup(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'vr-store-'));
  return {
    spec: { kind: 'sqlite', path: join(dir, 'test.db') },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresBackend(url: string): Backend {
  const schema = uniqueName('vr_store_test');
  return {
    spec: { kind: 'postgres', url, schema },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A database kind this machine can test, and how to make a fresh one. */
export interface DatabaseKind {
  name: BackendSpec['kind'];
  create(): Backend;
}

/** Every database this machine can test: SQLite always, PostgreSQL when VR_TEST_POSTGRES_URL is set. */
export function databases(): DatabaseKind[] {
  const out: DatabaseKind[] = [{ name: 'sqlite', create: sqliteBackend }];
  const url = POSTGRES_URL;
  if (url) out.push({ name: 'postgres', create: () => postgresBackend(url) });
  return out;
}

/** A store configuration for end-to-end tests: opened, initialised, and removed by `cleanup`. */
export interface StoreBackend {
  name: string;
  open(): Promise<{ store: ResponseStore; cleanup(): Promise<void> }>;
}

function storeBackend(db: DatabaseKind, redisUrl: string | undefined): StoreBackend {
  return {
    name: redisUrl ? `${db.name}+redis` : db.name,
    async open() {
      const backend = db.create();
      const prefix = `${uniqueName('vr_e2e')}:`;
      const inner = openStore(backend.spec);
      const store = redisUrl ? cachedStore(inner, redisUrl, prefix) : inner;
      try {
        await store.init();
      } catch (err) {
        await store.close().catch(() => undefined);
        await backend.cleanup();
        throw err;
      }
      return {
        store,
        async cleanup() {
          await store.close();
          if (redisUrl) await deleteKeys(redisUrl, prefix);
          await backend.cleanup();
        },
      };
    },
  };
}

/**
 * Every store configuration this machine can test, databases first (SQLite, PostgreSQL), then
 * each behind the Redis cache when VR_TEST_REDIS_URL is set.
 */
export function storeBackends(): StoreBackend[] {
  const dbs = databases();
  const out = dbs.map((db) => storeBackend(db, undefined));
  if (REDIS_URL) out.push(...dbs.map((db) => storeBackend(db, REDIS_URL)));
  return out;
}

/** A raw client on the test Redis, for inspecting and cleaning a run's keys. */
export function rawRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
}

/**
 * The cache deliberately hides Redis outages, so a test run pointed at a dead Redis would
 * "pass" on the database alone: check reachability explicitly and fail loudly instead.
 */
export async function assertRedisReachable(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    if ((await redis.ping()) !== 'PONG') throw new Error('no PONG');
  } catch (err) {
    throw new Error(`VR_TEST_REDIS_URL=${url} is set but Redis is unreachable: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    redis.disconnect();
  }
}

export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = rawRedis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function cachedStore(inner: ResponseStore, url: string, keyPrefix: string, logger?: StoreLogger): RedisCachedStore {
  return new RedisCachedStore({ inner, redis: url, ttlSeconds: 600, keyPrefix, logger });
}

/** A logger that records warnings, for asserting "logged once". */
export function recordingLogger(): StoreLogger & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return { warnings, warn: (...args: unknown[]) => void warnings.push(args), info: () => undefined };
}
