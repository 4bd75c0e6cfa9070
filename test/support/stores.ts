import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore } from '../../src/store/index.js';
import type { ResponseStore } from '../../src/store/types.js';

export interface StoreBackend {
  name: string;
  open(): Promise<{ store: ResponseStore; cleanup(): Promise<void> }>;
}

function redisTarget(): { host: string; port: number } | null {
  const raw = process.env.VR_TEST_REDIS_URL;
  if (!raw) return null;
  const u = new URL(raw);
  return { host: u.hostname, port: Number(u.port || 6379) };
}

function sqliteBackend(withCache: boolean): StoreBackend {
  return {
    name: withCache ? 'sqlite+redis' : 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'vr-e2e-'));
      const redis = redisTarget();
      const store = createStore({
        dbPath: `sqlite:///${join(dir, 'test.db')}`,
        cache: withCache && redis ? { enabled: true, ...redis, ttlSeconds: 60, keyPrefix: `vr_e2e_${randomBytes(6).toString('hex')}:` } : undefined,
      });
      await store.init();
      return {
        store,
        async cleanup() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresBackend(url: string, withCache: boolean): StoreBackend {
  return {
    name: withCache ? 'postgres+redis' : 'postgres',
    async open() {
      const schema = `vr_e2e_${randomBytes(6).toString('hex')}`;
      const redis = redisTarget();
      const store = createStore({
        dbPath: url,
        schema,
        cache: withCache && redis ? { enabled: true, ...redis, ttlSeconds: 60, keyPrefix: `${schema}:` } : undefined,
      });
      await store.init();
      return {
        store,
        async cleanup() {
          await store.close();
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await client.end();
        },
      };
    },
  };
}

/**
 * Every backend this machine can test: SQLite always; PostgreSQL and the Redis cache when
 * VR_TEST_POSTGRES_URL / VR_TEST_REDIS_URL are set (CI sets both, and an unreachable service
 * then fails the suite instead of skipping it).
 */
export function storeBackends(): StoreBackend[] {
  const out = [sqliteBackend(false)];
  const pgUrl = process.env.VR_TEST_POSTGRES_URL;
  if (pgUrl) out.push(postgresBackend(pgUrl, false));
  if (process.env.VR_TEST_REDIS_URL) {
    out.push(sqliteBackend(true));
    if (pgUrl) out.push(postgresBackend(pgUrl, true));
  }
  return out;
}
