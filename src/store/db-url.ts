/**
 * `VR_DB_PATH` parsing through the backend registry. Accepts the Python original's SQLAlchemy
 * URLs and plain forms (each backend documents its own, see `forms`):
 * - `sqlite+aiosqlite:///rel.db`, `sqlite:///rel.db` → relative path `rel.db`;
 *   four slashes (`sqlite:////abs/x.db`) → absolute `/abs/x.db`, as SQLAlchemy reads them;
 * - a plain filesystem path (no `scheme://`);
 * - `postgresql+asyncpg://…`, `postgresql://…`, `postgres://…` (the driver suffix is dropped).
 * Empty or unset → `vllm_responses.db` in the working directory.
 */
import type { DbTarget, StoreBackend } from './backend.js';
import { STORE_BACKENDS } from './backends.js';

export type { DbTarget } from './backend.js';

export const DEFAULT_SQLITE_PATH = 'vllm_responses.db';

function acceptedForms(): string {
  return STORE_BACKENDS.map((b) => b.forms).join(', ');
}

/** The backend a value selects and what it parsed; throws naming every accepted form. */
export function resolveDbUrl(url: string | undefined): { backend: StoreBackend; target: DbTarget } {
  const value = (url ?? '').trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme === undefined) {
    const backend = STORE_BACKENDS.find((b) => b.plainPaths);
    if (!backend) throw new Error('no store backend accepts plain paths');
    return { backend, target: backend.parse(value === '' ? DEFAULT_SQLITE_PATH : value, null) };
  }
  const backend = STORE_BACKENDS.find((b) => b.schemes.includes(scheme.toLowerCase()));
  if (!backend) {
    throw new Error(`unsupported VR_DB_PATH ${JSON.stringify(redactScheme(value, scheme))}: accepted forms are ${acceptedForms()}`);
  }
  try {
    return { backend, target: backend.parse(value.slice(scheme.length + 3), scheme.toLowerCase()) };
  } catch (err) {
    throw new Error(`invalid VR_DB_PATH ${JSON.stringify(redactScheme(value, scheme))}: ${(err as Error).message}. Accepted forms: ${acceptedForms()}`);
  }
}

export function parseDbUrl(url: string | undefined): DbTarget {
  return resolveDbUrl(url).target;
}

/** Error messages name the scheme, never credentials that may follow it. */
function redactScheme(value: string, scheme: string): string {
  return value.includes('@') ? `${scheme}://…` : value;
}
