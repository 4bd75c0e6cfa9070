import { describe, expect, it } from 'vitest';
import { createStore, parseDbUrl, storeOptionsFromEnv } from '../../src/store/index.js';

describe('parseDbUrl (VR_DB_PATH)', () => {
  it.each([
    [undefined, { kind: 'sqlite', path: 'vllm_responses.db' }],
    ['', { kind: 'sqlite', path: 'vllm_responses.db' }],
    ['sqlite+aiosqlite:///vllm_responses.db', { kind: 'sqlite', path: 'vllm_responses.db' }],
    ['sqlite:///data/x.db', { kind: 'sqlite', path: 'data/x.db' }],
    ['sqlite:////var/lib/vr/x.db', { kind: 'sqlite', path: '/var/lib/vr/x.db' }],
    ['sqlite+aiosqlite:////abs.db?timeout=5', { kind: 'sqlite', path: '/abs.db' }],
    ['/tmp/plain.db', { kind: 'sqlite', path: '/tmp/plain.db' }],
    ['relative/plain.db', { kind: 'sqlite', path: 'relative/plain.db' }],
    ['postgresql+asyncpg://u:p@db:5432/app', { kind: 'postgres', connectionString: 'postgresql://u:p@db:5432/app' }],
    ['postgresql://u@db/app?sslmode=require', { kind: 'postgres', connectionString: 'postgresql://u@db/app?sslmode=require' }],
    ['postgres://db/app', { kind: 'postgres', connectionString: 'postgresql://db/app' }],
  ])('%s', (input, expected) => {
    expect(parseDbUrl(input)).toEqual(expected);
  });

  it.each(['mysql://u:secret@h/db', 'redis://localhost', 'sqlite://', 'sqlite:///', 'postgresql+psycopg://h/db'])(
    'rejects %s naming the accepted forms',
    (input) => {
      expect(() => parseDbUrl(input)).toThrow(/sqlite\+aiosqlite:\/\/\/.*postgresql\+asyncpg:\/\//);
    },
  );

  it('never echoes credentials of a rejected URL', () => {
    expect(() => parseDbUrl('mysql://u:secret@h/db')).toThrow(/^(?!.*secret)/s);
  });
});

describe('storeOptionsFromEnv', () => {
  it('defaults', () => {
    expect(storeOptionsFromEnv({})).toEqual({
      dbPath: undefined,
      logger: undefined,
      sqliteLockTimeoutMs: 5000,
      sqliteWal: { checkpointWrites: 2000, backstopPages: 20_000 },
      cache: { enabled: false, host: 'localhost', port: 6379, ttlSeconds: 3600 },
    });
  });

  it('reads every variable', () => {
    const opts = storeOptionsFromEnv({
      VR_DB_PATH: 'postgres://db/app',
      VR_RESPONSE_STORE_CACHE: 'true',
      VR_RESPONSE_STORE_CACHE_TTL_SECONDS: '60',
      VR_REDIS_HOST: 'cache',
      VR_REDIS_PORT: '6380',
      VR_SQLITE_LOCK_TIMEOUT_MS: '250',
      VR_SQLITE_CHECKPOINT_WRITES: '100',
      VR_SQLITE_WAL_BACKSTOP_PAGES: '4000',
    });
    expect(opts).toMatchObject({ dbPath: 'postgres://db/app', sqliteLockTimeoutMs: 250, sqliteWal: { checkpointWrites: 100, backstopPages: 4000 }, cache: { enabled: true, host: 'cache', port: 6380, ttlSeconds: 60 } });
    expect(storeOptionsFromEnv({ VR_RESPONSE_STORE_CACHE: '1' }).cache?.enabled).toBe(true);
  });

  it.each([
    [{ VR_DB_PATH: 'mongodb://x' }, /VR_DB_PATH/],
    [{ VR_RESPONSE_STORE_CACHE: 'maybe' }, /VR_RESPONSE_STORE_CACHE/],
    [{ VR_RESPONSE_STORE_CACHE_TTL_SECONDS: '-5' }, /VR_RESPONSE_STORE_CACHE_TTL_SECONDS/],
    [{ VR_REDIS_PORT: '70000' }, /VR_REDIS_PORT/],
    [{ VR_SQLITE_CHECKPOINT_WRITES: '0' }, /VR_SQLITE_CHECKPOINT_WRITES/],
    [{ VR_SQLITE_WAL_BACKSTOP_PAGES: 'many' }, /VR_SQLITE_WAL_BACKSTOP_PAGES/],
  ])('fails fast on %o', (env, message) => {
    expect(() => storeOptionsFromEnv(env)).toThrow(message);
  });

  it('describes the chosen backend without credentials', async () => {
    const sqlite = createStore({ dbPath: 'sqlite:////tmp/vr-desc.db' });
    const postgres = createStore({ dbPath: 'postgresql://u:pw@h/db' });
    expect(sqlite.description).toBe('sqlite:/tmp/vr-desc.db');
    expect(postgres.description).not.toContain('pw');
    await Promise.all([sqlite.close(), postgres.close()]);
  });
});
