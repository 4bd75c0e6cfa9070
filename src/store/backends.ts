/**
 * The store backend registry: every backend `VR_DB_PATH` can select. A new backend is its own
 * file exporting a `StoreBackend` plus one line here.
 */
import type { StoreBackend } from './backend.js';
import { postgresBackend } from './postgres-store.js';
import { sqliteBackend } from './sqlite-store.js';

export const STORE_BACKENDS: readonly StoreBackend[] = [sqliteBackend, postgresBackend];

export function backendForKind(kind: string): StoreBackend {
  const backend = STORE_BACKENDS.find((b) => b.kind === kind);
  if (!backend) throw new Error(`no store backend of kind ${JSON.stringify(kind)}`);
  return backend;
}
