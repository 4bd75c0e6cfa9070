import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegateConversations } from '../src/store/index.js';
import type { ResponseStore, StoredResponseRecord } from '../src/store/types.js';
import { sendSse, textChunks } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { storeBackends } from './support/stores.js';

/** A real SQLite store whose writes can be made to fail, to see how the gateway reports it. */
function failingWrites(inner: ResponseStore, state: { fail: boolean }): ResponseStore {
  return {
    description: inner.description,
    system: inner.system,
    init: () => inner.init(),
    put: (record: StoredResponseRecord) => (state.fail ? Promise.reject(new Error('disk full')) : inner.put(record)),
    get: (id, principal) => inner.get(id, principal),
    getHistory: (id, principal) => inner.getHistory(id, principal),
    delete: (id, principal) => inner.delete(id, principal),
    listInputItems: (id, principal, opts) => inner.listInputItems(id, principal, opts),
    findItems: (ids, principal) => inner.findItems(ids, principal),
    runs: inner.runs,
    getOrCreateSecret: (name, create) => inner.getOrCreateSecret(name, create),
    ...delegateConversations(inner),
    close: () => inner.close(),
  };
}

let gw: TestGateway;
let cleanup: () => Promise<void>;
const state = { fail: false };

beforeAll(async () => {
  const opened = await storeBackends()[0]!.open();
  cleanup = opened.cleanup;
  gw = await startTestGateway({ store: failingWrites(opened.store, state) });
  gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['fine'])));
});
afterAll(async () => {
  state.fail = false;
  await gw.close();
  await cleanup();
});

describe('a store failure after a successful generation', () => {
  it('is reported as response.failed (streaming) and a 500 store_error (JSON), never silently lost', async () => {
    state.fail = true;
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: 'hi', stream: true }),
    });
    const text = await res.text();
    const events = text
      .split('\n\n')
      .filter((b) => b.startsWith('event:'))
      .map((b) => JSON.parse(b.split('\ndata: ')[1]!));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'response.failed']);
    expect(events.at(-1).response.error.code).toBe('store_error');
    // Settled as completed before the write failed: the failed response carries no completion time.
    expect(events.at(-1).response.status).toBe('failed');
    expect(events.at(-1).response.completed_at).toBeNull();
    expect(events.some((e) => e.type === 'response.completed')).toBe(false);

    const json = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-model', input: 'hi' }) });
    expect(json.status).toBe(500);
    expect(((await json.json()) as any).error.code).toBe('store_error');

    // store:false never touches the store, so it still succeeds.
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'hi', store: false });
    expect(r.status).toBe('completed');
    state.fail = false;
    const ok = await gw.client.responses.create({ model: 'fake-model', input: 'hi' });
    expect((await gw.client.responses.retrieve(ok.id)).status).toBe('completed');
  });
});
