import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCachedStore } from '../../src/store/redis-cache.js';
import { delegateConversations } from '../../src/store/delegate-conversations.js';
import type { ResponseStore } from '../../src/store/types.js';
import {
  REDIS_URL,
  assertRedisReachable,
  cachedStore,
  deleteKeys,
  databases,
  openStore,
  rawRedis,
  sqliteBackend,
  recordingLogger,
  uniqueName,
  type Backend,
} from '../support/stores.js';
import { expectedItems, TEST_OWNER, turn } from './support/records.js';
import { describeStoreContract } from './support/store-contract.js';

describe.runIf(REDIS_URL)('redis cache', () => {
  const url = REDIS_URL!;
  beforeAll(() => assertRedisReachable(url));

  for (const { name, create: make } of databases()) {
    describeStoreContract(`redis cache over ${name}`, async () => {
      const backend = make();
      const prefix = `${uniqueName('vr-test')}:`;
      const store = cachedStore(openStore(backend.spec), url, prefix);
      await store.init();
      return {
        store,
        cleanup: async () => {
          await store.close();
          await deleteKeys(url, prefix);
          await backend.cleanup();
        },
      };
    });

    describe(`cache behaviour over ${name}`, () => {
      let backend: Backend;
      let prefix: string;
      let inner: ResponseStore;
      let a: RedisCachedStore;
      let b: RedisCachedStore;
      beforeAll(async () => {
        backend = make();
        prefix = `${uniqueName('vr-test')}:`;
        inner = openStore(backend.spec);
        await inner.init();
        // Two cache instances on one database and one Redis: two gateway workers.
        a = cachedStore(openStore(backend.spec), url, prefix);
        b = cachedStore(openStore(backend.spec), url, prefix);
        await a.init();
        await b.init();
      });
      afterAll(async () => {
        await a?.close();
        await b?.close();
        await inner?.close();
        await deleteKeys(url, prefix);
        await backend?.cleanup();
      });

      it('serves hydration and get from Redis once cached', async () => {
        const r1 = turn('c1');
        const r2 = turn('c2', { parentId: r1.id });
        await a.put(r1);
        await a.put(r2);
        const history = await a.getHistory(r2.id, TEST_OWNER);
        const response = await a.get(r2.id, TEST_OWNER);
        await a.close(); // flushes background fills
        a = cachedStore(openStore(backend.spec), url, prefix);
        await a.init();
        // Remove the rows behind the cache's back: answers now can only come from Redis.
        await inner.delete(r2.id, TEST_OWNER);
        expect(await a.getHistory(r2.id, TEST_OWNER)).toEqual(history);
        expect(await a.get(r2.id, TEST_OWNER)).toEqual(response);
        expect(history?.items).toEqual(expectedItems([r1, r2]));
      });

      it('caches one row per response on put: hydration from Redis alone, bytes linear in the turns', async () => {
        const chain = [turn('w0')];
        for (let i = 1; i < 30; i++) chain.push(turn(`w${i}`, { parentId: chain[i - 1]!.id }));
        for (const r of chain) await a.put(r);
        await a.close(); // flushes background fills
        a = cachedStore(openStore(backend.spec), url, prefix);
        await a.init();
        const redis = rawRedis(url);
        try {
          // Each turn's row holds only what that turn added: no copy of the history before it.
          const sizes = await Promise.all(chain.map((r) => redis.strlen(`${prefix}row:${r.id}`)));
          expect(Math.min(...sizes)).toBeGreaterThan(0);
          expect(Math.max(...sizes)).toBeLessThan(2 * Math.min(...sizes));
          // Remove the rows behind the cache's back: the history can only come from the rows.
          const leaf = chain.at(-1)!;
          for (const r of [...chain].reverse()) await inner.delete(r.id, TEST_OWNER);
          expect(await inner.getHistory(leaf.id, TEST_OWNER)).toBeNull();
          expect(await a.getHistory(leaf.id, TEST_OWNER)).toEqual({ response: leaf.response, items: expectedItems(chain) });
          // A missing row anywhere in the chain is a miss (the database answers: gone).
          await redis.del(`${prefix}row:${chain[10]!.id}`);
          expect(await a.getHistory(leaf.id, TEST_OWNER)).toBeNull();
        } finally {
          redis.disconnect();
        }
      });

      it('invalidates across workers on delete', async () => {
        const r1 = turn('x1');
        await a.put(r1);
        expect(await a.getHistory(r1.id, TEST_OWNER)).not.toBeNull();
        expect(await a.get(r1.id, TEST_OWNER)).not.toBeNull();
        expect(await b.delete(r1.id, TEST_OWNER)).toBe(true);
        expect(await a.get(r1.id, TEST_OWNER)).toBeNull();
        expect(await a.getHistory(r1.id, TEST_OWNER)).toBeNull();
        expect(await b.get(r1.id, TEST_OWNER)).toBeNull();
      });

      it('keeps descendants’ cached histories correct when an ancestor is deleted', async () => {
        const r1 = turn('y1');
        const r2 = turn('y2', { parentId: r1.id });
        const r3 = turn('y3', { parentId: r2.id });
        for (const r of [r1, r2, r3]) await a.put(r);
        const before = await a.getHistory(r3.id, TEST_OWNER);
        expect(await b.delete(r1.id, TEST_OWNER)).toBe(true);
        expect(await b.getHistory(r1.id, TEST_OWNER)).toBeNull();
        expect(await a.getHistory(r3.id, TEST_OWNER)).toEqual(before);
        expect(await inner.getHistory(r3.id, TEST_OWNER)).toEqual(before);
      });

      it('refuses to refill a deleted id from a read that raced the delete', async () => {
        const r1 = turn('z1');
        await a.put(r1);
        const redis = rawRedis(url);
        // A worker whose database read finishes before the delete but whose cache fill lands after it.
        const slowInner = openStore(backend.spec);
        const slow = cachedStore(lagAfterRead(slowInner, 150), url, prefix);
        await slow.init();
        try {
          await redis.del(`${prefix}row:${r1.id}`, `${prefix}resp:${r1.id}`);
          const racing = slow.getHistory(r1.id, TEST_OWNER);
          await new Promise((r) => setTimeout(r, 50));
          expect(await b.delete(r1.id, TEST_OWNER)).toBe(true);
          expect(await racing).not.toBeNull(); // it read before the delete …
          await slow.close(); // … and its background fill has now run
          expect(await redis.exists(`${prefix}resp:${r1.id}`, `${prefix}row:${r1.id}`)).toBe(0);
          expect(await a.getHistory(r1.id, TEST_OWNER)).toBeNull();
        } finally {
          redis.disconnect();
        }
      });
    });
  }
});

/** Redis outages: never an error, bounded latency, one warning per outage. */
describe('redis cache when Redis is unavailable', () => {
  const cases: [string, () => Promise<{ port: number; close(): Promise<void> }>][] = [
    ['connection refused', closedPort],
    ['accepts but never answers', blackHole],
  ];
  for (const [name, start] of cases) {
    it(`still serves from the database (${name})`, async () => {
      const backend = sqliteBackend();
      const target = await start();
      const logger = recordingLogger();
      const store = new RedisCachedStore({
        inner: openStore(backend.spec),
        redis: { host: '127.0.0.1', port: target.port },
        ttlSeconds: 60,
        keyPrefix: `${uniqueName('vr-test')}:`,
        logger,
      });
      try {
        await store.init();
        const started = performance.now();
        const r1 = turn('o1');
        const r2 = turn('o2', { parentId: r1.id });
        await store.put(r1);
        await store.put(r2);
        for (let i = 0; i < 3; i++) {
          expect(await store.get(r2.id, TEST_OWNER)).toEqual(r2.response);
          expect((await store.getHistory(r2.id, TEST_OWNER))?.items).toEqual(expectedItems([r1, r2]));
        }
        expect((await store.listInputItems(r2.id, TEST_OWNER, { limit: 5, order: 'asc' }))?.data).toEqual(r2.inputItems);
        expect(await store.delete(r2.id, TEST_OWNER)).toBe(true);
        expect(await store.get(r2.id, TEST_OWNER)).toBeNull();
        expect(performance.now() - started).toBeLessThan(2000);
        expect(logger.warnings).toHaveLength(1);
      } finally {
        await store.close();
        await target.close();
        await backend.cleanup();
      }
    });
  }
});

/** A real store whose reads return late: widens the read/delete race window deterministically. */
function lagAfterRead(inner: ResponseStore, ms: number): ResponseStore {
  const lag = <T>(v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));
  return {
    description: inner.description,
    system: inner.system,
    init: () => inner.init(),
    put: (r) => inner.put(r),
    get: (id, principal) => inner.get(id, principal).then(lag),
    getHistory: (id, principal) => inner.getHistory(id, principal).then(lag),
    delete: (id, principal) => inner.delete(id, principal),
    findItems: (ids, principal) => inner.findItems(ids, principal),
    listInputItems: (id, principal, o) => inner.listInputItems(id, principal, o),
    runs: inner.runs,
    getOrCreateSecret: (name, create) => inner.getOrCreateSecret(name, create),
    ...delegateConversations(inner),
    close: () => inner.close(),
  };
}

async function closedPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return { port, close: async () => undefined };
}

async function blackHole(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
