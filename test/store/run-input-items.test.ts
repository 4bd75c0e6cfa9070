/**
 * A live background run keeps its input items in the run row (schema v7), so an orphan can be
 * stored with them; they are cleared once the run reaches a terminal status. On every store
 * configuration this machine can test (the Redis cache passes runs through).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../../src/api/items.js';
import type { ResponseStore } from '../../src/store/types.js';
import { storeBackends } from '../support/stores.js';

const input: Item[] = [{ type: 'message', id: 'msg_in1', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hello run' }] } as Item];

for (const backend of storeBackends()) {
  describe(`run input items on ${backend.name}`, () => {
    let store: ResponseStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.open());
    });
    afterAll(async () => cleanup?.());

    it('keeps them while the run lives and clears them when it ends', async () => {
      const id = `resp_runinput${Date.now()}`;
      const response = { id, object: 'response', status: 'queued', created_at: 1 };
      await store.runs.create({ id, owner: null, worker: 'w1', leaseExpiresAt: Date.now() + 60_000, response, createdAt: 1, inputItems: input });
      expect(await store.runs.inputItems(id)).toEqual(input);
      expect(await store.runs.inputItems('resp_absent')).toEqual([]);
      const done = { ...response, status: 'completed' };
      expect(await store.runs.append(id, 'w1', [{ seq: 0, json: '{}' }], { status: 'completed', response: done })).toBe(true);
      expect(await store.runs.inputItems(id)).toEqual([]);
      expect((await store.runs.get(id))?.status).toBe('completed');
    });
  });
}
