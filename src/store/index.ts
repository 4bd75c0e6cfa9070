/**
 * The store's composition root: pick the backend from `VR_DB_PATH` (through the registry in
 * `backends.ts`), optionally wrap it in the Redis cache. The server calls
 * `createStoreFromEnv(process.env, logger)` then `await store.init()`.
 */
import { readBooleanEnv } from '../observability/env-flags.js';
import { parseDbUrl, resolveDbUrl } from './db-url.js';
import { RedisCachedStore } from './redis-cache.js';
import type { ResponseStore, StoreLogger } from './types.js';
import { DEFAULT_WAL_POLICY, type WalPolicy } from './sqlite-wal.js';

export { parseDbUrl, resolveDbUrl, DEFAULT_SQLITE_PATH, type DbTarget } from './db-url.js';
export { STORE_BACKENDS, backendForKind } from './backends.js';
export type { StoreBackend, OpenStoreOptions } from './backend.js';
export { LEGACY_OWNER } from './owner.js';
export { ParentNotFoundError, InvalidRecordError, DuplicateConversationItemError } from './errors.js';
export { SqliteResponseStore, type SqliteStoreOptions } from './sqlite-store.js';
export { PostgresResponseStore, type PostgresStoreOptions } from './postgres-store.js';
export { RedisCachedStore, type RedisCacheOptions } from './redis-cache.js';
export type * from './types.js';
export { delegateConversations } from './delegate-conversations.js';

export interface CacheOptions {
  enabled: boolean;
  host: string;
  port: number;
  ttlSeconds: number;
  /** Key prefix in Redis (default `vllm_responses:v1:`); tests use one per run. */
  keyPrefix?: string;
}

export interface CreateStoreOptions {
  /** The `VR_DB_PATH` value; unset → `vllm_responses.db` in the working directory. */
  dbPath?: string;
  cache?: CacheOptions;
  logger?: StoreLogger;
  /** PostgreSQL only: keep the tables in this schema (tests isolate runs this way). */
  schema?: string;
  /** SQLite only: total wait for another process's write lock (`VR_SQLITE_LOCK_TIMEOUT_MS`). */
  sqliteLockTimeoutMs?: number;
  /** SQLite only: WAL checkpoint policy (`VR_SQLITE_CHECKPOINT_WRITES`, `VR_SQLITE_WAL_BACKSTOP_PAGES`). */
  sqliteWal?: Partial<WalPolicy>;
}

export function createStore(opts: CreateStoreOptions = {}): ResponseStore {
  const { backend, target } = resolveDbUrl(opts.dbPath);
  const base = backend.open(target, { schema: opts.schema, logger: opts.logger, sqliteLockTimeoutMs: opts.sqliteLockTimeoutMs, sqliteWal: opts.sqliteWal });
  if (!opts.cache?.enabled) return base;
  return new RedisCachedStore({
    inner: base,
    redis: { host: opts.cache.host, port: opts.cache.port },
    ttlSeconds: opts.cache.ttlSeconds,
    keyPrefix: opts.cache.keyPrefix,
    logger: opts.logger,
  });
}

/** Read `VR_DB_PATH` and the cache variables; invalid values throw with the variable's name. */
export function storeOptionsFromEnv(env: Record<string, string | undefined>, logger?: StoreLogger): CreateStoreOptions {
  const dbPath = env.VR_DB_PATH?.trim() || undefined;
  parseDbUrl(dbPath); // fail at start-up, not at the first request
  return {
    dbPath,
    logger,
    sqliteLockTimeoutMs: parsePositiveInt('VR_SQLITE_LOCK_TIMEOUT_MS', env.VR_SQLITE_LOCK_TIMEOUT_MS, 5000, 600_000),
    sqliteWal: {
      checkpointWrites: parsePositiveInt('VR_SQLITE_CHECKPOINT_WRITES', env.VR_SQLITE_CHECKPOINT_WRITES, DEFAULT_WAL_POLICY.checkpointWrites, 1_000_000),
      backstopPages: parsePositiveInt('VR_SQLITE_WAL_BACKSTOP_PAGES', env.VR_SQLITE_WAL_BACKSTOP_PAGES, DEFAULT_WAL_POLICY.backstopPages, 10_000_000),
    },
    cache: {
      enabled: readBooleanEnv('VR_RESPONSE_STORE_CACHE', env.VR_RESPONSE_STORE_CACHE, false),
      host: env.VR_REDIS_HOST?.trim() || 'localhost',
      port: parsePositiveInt('VR_REDIS_PORT', env.VR_REDIS_PORT, 6379, 65535),
      ttlSeconds: parsePositiveInt('VR_RESPONSE_STORE_CACHE_TTL_SECONDS', env.VR_RESPONSE_STORE_CACHE_TTL_SECONDS, 3600),
    },
  };
}

export function createStoreFromEnv(env: Record<string, string | undefined>, logger?: StoreLogger): ResponseStore {
  return createStore(storeOptionsFromEnv(env, logger));
}

function parsePositiveInt(name: string, raw: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = (raw ?? '').trim();
  if (v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`invalid ${name}=${JSON.stringify(raw)}: expected an integer from 1 to ${max}`);
  return n;
}
