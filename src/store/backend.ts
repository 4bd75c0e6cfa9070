/**
 * What a store backend contributes to the registry in `backends.ts`: which `VR_DB_PATH` forms
 * select it, how it reads them, its OpenTelemetry `db.system` name, and how to open it. Each
 * backend declares this next to its implementation, so adding a backend is its own file plus
 * one line in the registry.
 */
import type { ResponseStore, StoreLogger } from './types.js';
import type { WalPolicy } from './sqlite-wal.js';

/** A parsed `VR_DB_PATH`: the backend's `kind` plus whatever that backend needs to open it. */
export interface DbTarget {
  readonly kind: string;
}

export interface OpenStoreOptions {
  /** Backends with namespaces (PostgreSQL schemas) keep their tables there; tests isolate runs this way. */
  schema?: string;
  logger?: StoreLogger;
  /** SQLite: total wait for another process's write lock (`VR_SQLITE_LOCK_TIMEOUT_MS`). */
  sqliteLockTimeoutMs?: number;
  /** SQLite: WAL checkpoint policy (sqlite-wal.ts). */
  sqliteWal?: Partial<WalPolicy>;
}

export interface StoreBackend {
  /** `DbTarget.kind` of the targets this backend parses. */
  readonly kind: string;
  /** OpenTelemetry `db.system` value for spans around this backend's operations. */
  readonly system: string;
  /** Lower-case URL schemes (`scheme://…`) that select this backend. */
  readonly schemes: readonly string[];
  /** The accepted forms in words, for the error that lists every backend's. */
  readonly forms: string;
  /** The one backend that a plain path (no `scheme://`) or an empty value selects. */
  readonly plainPaths?: boolean;
  /**
   * Read the value: `rest` is what follows `scheme://` (or the whole plain path when `scheme` is
   * null). Throw an Error naming what is wrong; never echo credentials.
   */
  parse(rest: string, scheme: string | null): DbTarget;
  /** A store for a target this backend parsed (not yet initialised). */
  open(target: DbTarget, opts: OpenStoreOptions): ResponseStore;
}
