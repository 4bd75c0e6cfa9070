import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseStore } from '../src/store/types.js';
import { sendSse, textChunks, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { specErrors } from './support/schemas.js';
import { storeBackends } from './support/stores.js';

/** The fake model answers "reply N" on its Nth call, so each turn's output is recognisable. */
function numberedReplies(gw: TestGateway) {
  let n = 0;
  gw.upstream.setChatHandler(async (_req, res) => {
    n++;
    await sendSse(res, textChunks([`reply `, `${n}`]));
  });
}

function lastMessages(gw: TestGateway): { role: string; content: unknown }[] {
  const req = gw.upstream.requests.filter((r: RecordedRequest) => r.path === '/v1/chat/completions').at(-1)!;
  return req.body.messages.map((m: any) => ({ role: m.role, content: m.content }));
}

describe.each(storeBackends())('conversation state on $name', (backend) => {
  let gw: TestGateway;
  let store: ResponseStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    gw = await startTestGateway({ store });
  });
  afterAll(async () => {
    await gw.close();
    await cleanup();
  });

  it('continues with previous_response_id, sending the exact history upstream each turn', async () => {
    numberedReplies(gw);
    const c = gw.client;
    const r1 = await c.responses.create({ model: 'fake-model', input: 'one', instructions: 'first instructions' });
    expect(lastMessages(gw)).toEqual([
      { role: 'system', content: 'first instructions' },
      { role: 'user', content: 'one' },
    ]);
    const r2 = await c.responses.create({ model: 'fake-model', input: 'two', previous_response_id: r1.id });
    // Instructions are not carried into the next turn.
    expect(lastMessages(gw)).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'reply 1' },
      { role: 'user', content: 'two' },
    ]);
    expect(r2.previous_response_id).toBe(r1.id);
    const r3 = await c.responses.create({
      model: 'fake-model',
      input: [{ role: 'user', content: 'three' }],
      previous_response_id: r2.id,
      instructions: 'third instructions',
      stream: false,
    });
    expect(lastMessages(gw)).toEqual([
      { role: 'system', content: 'third instructions' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'reply 1' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'reply 2' },
      { role: 'user', content: 'three' },
    ]);

    // Streaming continuation uses the same history.
    const stream = c.responses.stream({ model: 'fake-model', input: 'four', previous_response_id: r3.id });
    const r4 = await stream.finalResponse();
    expect(lastMessages(gw).map((m) => m.content)).toEqual(['one', 'reply 1', 'two', 'reply 2', 'three', 'reply 3', 'four']);

    // Retrieval returns the stored object, instructions echoed.
    const got = await c.responses.retrieve(r3.id);
    expect(got.id).toBe(r3.id);
    expect(got.instructions).toBe('third instructions');
    expect(got.output_text).toBe('reply 3');
    expect(got.previous_response_id).toBe(r2.id);
    expect(specErrors('ResponseResource', got)).toEqual([]);
    expect((await c.responses.retrieve(r4.id)).status).toBe('completed');

    // Input items: only this response's own input, newest first by default.
    const items = await c.responses.inputItems.list(r3.id);
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'three' }] });

    // Delete: retrieval and continuation then fail with not found.
    const del = await c.responses.delete(r3.id);
    expect(del).toEqual({ id: r3.id, object: 'response', deleted: true });
    await expect(c.responses.retrieve(r3.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const err = await c.responses.create({ model: 'fake-model', input: 'x', previous_response_id: r3.id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as any).code).toBe('previous_response_not_found');
    expect((err as any).param).toBe('previous_response_id');
    // A descendant continued before the delete keeps working.
    await c.responses.create({ model: 'fake-model', input: 'five', previous_response_id: r4.id });
    expect(lastMessages(gw).map((m) => m.content).slice(0, 3)).toEqual(['one', 'reply 1', 'two']);
  });

  it('DELETE returns OpenAI’s body; a second DELETE is 404', async () => {
    numberedReplies(gw);
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'hello' });
    const res = await fetch(`${gw.url}/v1/responses/${r.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: r.id, object: 'response', deleted: true });
    const again = await fetch(`${gw.url}/v1/responses/${r.id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(((await again.json()) as any).error.type).toBe('invalid_request_error');
  });

  it('branches independently from the same response', async () => {
    numberedReplies(gw);
    const root = await gw.client.responses.create({ model: 'fake-model', input: 'root' });
    const a = await gw.client.responses.create({ model: 'fake-model', input: 'branch a', previous_response_id: root.id });
    const b = await gw.client.responses.create({ model: 'fake-model', input: 'branch b', previous_response_id: root.id });
    await gw.client.responses.create({ model: 'fake-model', input: 'after a', previous_response_id: a.id });
    expect(lastMessages(gw).map((m) => m.content)).toEqual(['root', 'reply 1', 'branch a', 'reply 2', 'after a']);
    await gw.client.responses.create({ model: 'fake-model', input: 'after b', previous_response_id: b.id });
    expect(lastMessages(gw).map((m) => m.content)).toEqual(['root', 'reply 1', 'branch b', 'reply 3', 'after b']);
  });

  it('store:false responses are never persisted nor continuation anchors', async () => {
    numberedReplies(gw);
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'secret', store: false });
    expect((r as unknown as { store: boolean }).store).toBe(false);
    await expect(gw.client.responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const err = await gw.client.responses.create({ model: 'fake-model', input: 'x', previous_response_id: r.id }).catch((e: unknown) => e);
    expect((err as any).code).toBe('previous_response_not_found');
  });

  it('failed responses are stored (retrievable, not continuable); incomplete ones can be continued', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['par', 'tial']), { dieAfter: 2 }));
    const events: any[] = [];
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'x', stream: true });
    await (async () => {
      for await (const ev of stream) events.push(ev);
    })().catch(() => {});
    const failedId = events[0].response.id;
    const failed = await gw.client.responses.retrieve(failedId);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toBeTruthy();
    expect(failed.completed_at ?? null).toBeNull();
    const cont = await gw.client.responses.create({ model: 'fake-model', input: 'x', previous_response_id: failedId }).catch((e: unknown) => e);
    expect(cont).toBeInstanceOf(OpenAI.BadRequestError);
    expect((cont as any).param).toBe('previous_response_id');

    gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['cut'], 'length')));
    const inc = await gw.client.responses.create({ model: 'fake-model', input: 'long', max_output_tokens: 5 });
    expect(inc.status).toBe('incomplete');
    expect((await gw.client.responses.retrieve(inc.id)).status).toBe('incomplete');
    numberedReplies(gw);
    await gw.client.responses.create({ model: 'fake-model', input: 'go on', previous_response_id: inc.id });
    expect(lastMessages(gw).map((m) => m.content)).toEqual(['long', 'cut', 'go on']);
  });

  it('inherits tools and tool_choice on a continuation when omitted', async () => {
    numberedReplies(gw);
    const tools = [{ type: 'function' as const, name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true }];
    const r1 = await gw.client.responses.create({ model: 'fake-model', input: 'hi', tools, tool_choice: 'none' });
    const r2 = await gw.client.responses.create({ model: 'fake-model', input: 'again', previous_response_id: r1.id });
    expect(r2.tools).toEqual(r1.tools);
    expect(r2.tool_choice).toBe('none');
    const body = gw.upstream.requests.at(-1)!.body;
    expect(body.tools.map((t: any) => t.function.name)).toEqual(['get_weather']);
    expect(body.tool_choice).toBe('none');
  });

  it('lists input items with limit, order, after and before', async () => {
    numberedReplies(gw);
    const input = Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `m${i}` }));
    const r = await gw.client.responses.create({ model: 'fake-model', input });
    const texts = (page: any) => page.data.map((i: any) => i.content[0].text);
    const raw = async (qs: string) => (await (await fetch(`${gw.url}/v1/responses/${r.id}/input_items${qs}`)).json()) as any;

    const desc = await raw('');
    expect(texts(desc)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(desc).toMatchObject({ object: 'list', has_more: false, first_id: desc.data[0].id, last_id: desc.data[4].id });
    const asc2 = await raw('?order=asc&limit=2');
    expect(texts(asc2)).toEqual(['m0', 'm1']);
    expect(asc2.has_more).toBe(true);
    const next = await raw(`?order=asc&limit=2&after=${asc2.last_id}`);
    expect(texts(next)).toEqual(['m2', 'm3']);
    const before = await raw(`?order=asc&before=${desc.data[1].id}`);
    expect(texts(before)).toEqual(['m0', 'm1', 'm2']);

    // The SDK's auto-pagination walks every page.
    const all: string[] = [];
    for await (const item of gw.client.responses.inputItems.list(r.id, { limit: 2, order: 'asc' })) all.push((item as any).content[0].text);
    expect(all).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);

    for (const bad of ['?limit=0', '?limit=101', '?limit=abc', '?order=up', "?after=x' OR 1=1"]) {
      const res = await fetch(`${gw.url}/v1/responses/${r.id}/input_items${bad}`);
      expect(res.status).toBe(400);
    }
  });

  it('unknown, malformed and foreign ids are 404 for retrieval and 400 for continuation', async () => {
    for (const id of ['resp_doesnotexist', "resp_' OR '1'='1", 'msg_abc', 'resp_' + 'a'.repeat(5000), 'resp_%00', 'ключ']) {
      // Ids longer than any we issue may be refused by the router as 414; either way, OpenAI-shaped.
      const res = await fetch(`${gw.url}/v1/responses/${encodeURIComponent(id)}`);
      expect([404, 414]).toContain(res.status);
      expect(((await res.json()) as any).error.message).toBeTypeOf('string');
      const items = await fetch(`${gw.url}/v1/responses/${encodeURIComponent(id)}/input_items`);
      expect([404, 414]).toContain(items.status);
      expect(((await items.json()) as any).error.message).toBeTypeOf('string');
      const cont = await fetch(`${gw.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'x', previous_response_id: id }),
      });
      expect(cont.status).toBe(400);
    }
  });

  it('round-trips the largest allowed metadata', async () => {
    numberedReplies(gw);
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`key_${i}`.padEnd(64, 'k'), 'v'.repeat(512)]));
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'meta', metadata });
    expect((await gw.client.responses.retrieve(r.id)).metadata).toEqual(metadata);
  });
});
