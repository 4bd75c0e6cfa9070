/**
 * `VR_DB_PATH` parsing. Accepts the Python original's SQLAlchemy URLs and plain forms:
 * - `sqlite+aiosqlite:///rel.db`, `sqlite:///rel.db` → relative path `rel.db`;
 *   four slashes (`sqlite:////abs/x.db`) → absolute `/abs/x.db`, as SQLAlchemy reads them;
 * - a plain filesystem path (no `scheme://`);
 * - `postgresql+asyncpg://…`, `postgresql://…`, `postgres://…` (the driver suffix is dropped).
 * Empty or unset → `vllm_responses.db` in the working directory.
 */

export type DbTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string };

export const DEFAULT_SQLITE_PATH = 'vllm_responses.db';

const ACCEPTED =
  'sqlite+aiosqlite:///path.db, sqlite:///path.db (four slashes for an absolute path), a plain file path, ' +
  'postgresql+asyncpg://user:pass@host:5432/db, postgresql://… or postgres://…';

export function parseDbUrl(url: string | undefined): DbTarget {
  const value = (url ?? '').trim();
  if (value === '') return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme === undefined) return { kind: 'sqlite', path: value };
  const lower = scheme.toLowerCase();
  if (lower === 'sqlite' || lower === 'sqlite+aiosqlite') {
    // SQLAlchemy: `sqlite://` + `/` + database, so what follows the third slash is the path.
    const rest = value.slice(scheme.length + 3);
    if (!rest.startsWith('/') || rest.length === 1) {
      throw new Error(`invalid VR_DB_PATH ${JSON.stringify(value)}: a SQLite URL needs a file after three slashes (e.g. sqlite:///vllm_responses.db). Accepted forms: ${ACCEPTED}`);
    }
    // Query options (SQLAlchemy driver arguments) have no meaning here.
    const path = rest.slice(1).split('?')[0] ?? '';
    return { kind: 'sqlite', path };
  }
  if (lower === 'postgresql' || lower === 'postgres' || lower === 'postgresql+asyncpg') {
    return { kind: 'postgres', connectionString: `postgresql://${value.slice(scheme.length + 3)}` };
  }
  throw new Error(`unsupported VR_DB_PATH ${JSON.stringify(redactScheme(value, scheme))}: accepted forms are ${ACCEPTED}`);
}

/** Error messages name the scheme, never credentials that may follow it. */
function redactScheme(value: string, scheme: string): string {
  return value.includes('@') ? `${scheme}://…` : value;
}
