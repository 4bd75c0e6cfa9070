/**
 * Response ids are capabilities only within the API key that created them: through the real
 * HTTP server and the official SDK, a second key gets exactly the "not found" an absent id gets
 * (status, body and all) for GET, DELETE, input_items and `previous_response_id`, on every
 * store backend, and the owner's response is untouched by the attempts.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseStore } from '../src/store/types.js';
import { sendSse, textChunks } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { storeBackends } from './support/stores.js';

const KEY_A = 'sk-owner-a-0123456789';
const KEY_B = 'sk-other-b-9876543210';

/** Status and body of a failed SDK call, with the id made generic so two ids compare equal. */
async function failure(call: Promise<unknown>, id: string): Promise<{ status: number | undefined; body: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { status: err.status, body: JSON.stringify(err.error).replaceAll(id, '<id>') };
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe.each(storeBackends())('response ownership on $name', (backend) => {
  let gw: TestGateway;
  let store: ResponseStore;
  let cleanup: () => Promise<void>;
  let a: OpenAI;
  let b: OpenAI;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    gw = await startTestGateway({ store, env: { apiKeys: [KEY_A, KEY_B] } });
    gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['hello'])));
    const client = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
    a = client(KEY_A);
    b = client(KEY_B);
  });
  afterAll(async () => {
    await gw.close();
    await cleanup();
  });

  it('another key gets the same 404 as for an id that does not exist, for every operation', async () => {
    const owned = await a.responses.create({ model: 'fake-model', input: 'secret question' });
    const child = await a.responses.create({ model: 'fake-model', input: 'follow-up', previous_response_id: owned.id });
    const absent = `resp_${'0'.repeat(48)}`;

    for (const id of [owned.id, child.id]) {
      expect(await failure(b.responses.retrieve(id), id)).toEqual(await failure(b.responses.retrieve(absent), absent));
      expect(await failure(b.responses.inputItems.list(id), id)).toEqual(await failure(b.responses.inputItems.list(absent), absent));
      expect(await failure(b.responses.delete(id), id)).toEqual(await failure(b.responses.delete(absent), absent));
      const continued = await failure(b.responses.create({ model: 'fake-model', input: 'x', previous_response_id: id }), id);
      expect(continued).toEqual(await failure(b.responses.create({ model: 'fake-model', input: 'x', previous_response_id: absent }), absent));
      expect(continued.status).toBe(400);
      // Streaming continuations are refused before any event, the same way.
      const streamed = await failure(b.responses.create({ model: 'fake-model', input: 'x', previous_response_id: id, stream: true }), id);
      expect(streamed).toEqual(continued);
    }
    expect((await failure(b.responses.retrieve(owned.id), owned.id)).status).toBe(404);

    // The owner still has everything, unchanged.
    expect((await a.responses.retrieve(owned.id)).id).toBe(owned.id);
    expect((await a.responses.inputItems.list(owned.id)).data).toHaveLength(1);
    const next = await a.responses.create({ model: 'fake-model', input: 'third', previous_response_id: child.id });
    expect(next.previous_response_id).toBe(child.id);
    await a.responses.delete(child.id);
    expect((await failure(a.responses.retrieve(child.id), child.id)).status).toBe(404);
  });

  it('an item_reference to another key’s stored item is "not found", like an unknown item', async () => {
    const owned = await a.responses.create({ model: 'fake-model', input: 'item owner' });
    const itemId = owned.output[0]!.id!;
    const absentItem = `msg_${'0'.repeat(48)}`;
    const reference = (id: string) => ({ model: 'fake-model', input: [{ type: 'item_reference' as const, id }] });
    const refused = await failure(b.responses.create(reference(itemId)), itemId);
    expect(refused.status).toBe(400);
    expect(refused).toEqual(await failure(b.responses.create(reference(absentItem)), absentItem));
    // The owner can reference it.
    expect((await a.responses.create(reference(itemId))).status).toBe('completed');
  });

  it('each key continues only its own conversation, and the other key cannot delete it', async () => {
    const mine = await a.responses.create({ model: 'fake-model', input: 'a one' });
    const theirs = await b.responses.create({ model: 'fake-model', input: 'b one' });
    expect((await b.responses.retrieve(theirs.id)).id).toBe(theirs.id);
    expect((await failure(a.responses.retrieve(theirs.id), theirs.id)).status).toBe(404);
    expect((await failure(a.responses.delete(theirs.id), theirs.id)).status).toBe(404);
    expect((await b.responses.retrieve(theirs.id)).id).toBe(theirs.id);
    expect((await a.responses.retrieve(mine.id)).id).toBe(mine.id);
  });
});
