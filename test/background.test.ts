/**
 * Background mode, cancel and stream resumption through the real HTTP server with the openai
 * SDK, on every store backend (in-process gateway; the cross-process cases are in
 * background-cli.test.ts).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_PRINCIPAL } from '../src/api/principal.js';
import type { ResponseStore } from '../src/store/types.js';
import { sendSse, textChunks } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors } from './support/schemas.js';
import { storeBackends } from './support/stores.js';

/** An upstream that streams `n` words, one every `gapMs`. */
function slowWords(gw: TestGateway, n: number, gapMs: number): void {
  gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(Array.from({ length: n }, (_, i) => `w${i} `)), { delayMs: gapMs }));
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(storeBackends().slice(0, 2))('background responses on $name', (backend) => {
  let gw: TestGateway;
  let store: ResponseStore;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    gw = await startTestGateway({ store, runSettings: { pollMs: 50, flushMs: 5, cancelWaitMs: 5000 } });
  });
  afterAll(async () => {
    await gw.close();
    await cleanup();
  });

  it('answers queued at once, then polls to completed; the stored stream replays in full', async () => {
    slowWords(gw, 5, 10);
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
    expect(r.status).toBe('queued');
    expect(r.background).toBe(true);
    const done = await until(() => gw.client.responses.retrieve(r.id), (x) => x.status === 'completed');
    expect(done.status).toBe('completed');
    expect(done.output_text).toBe('w0 w1 w2 w3 w4 ');
    expect(done.background).toBe(true);

    const events: any[] = [];
    for await (const ev of await gw.client.responses.retrieve(r.id, { stream: true })) events.push(ev);
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(['response.created', 'response.queued', 'response.in_progress']);
    expect(events[0].response.status).toBe('queued');
    expect(events.at(-1).type).toBe('response.completed');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    for (const ev of events) expect(eventSpecErrors(ev)).toEqual([]);
  });

  it('streams a background response; a follower resumes after any sequence number with no gap or duplicate', async () => {
    slowWords(gw, 8, 15);
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true, stream: true });
    const seen: any[] = [];
    for await (const ev of stream) {
      seen.push(ev);
      if (seen.length === 6) break; // the client goes away; the run does not
    }
    const id = seen[0].response.id;
    const k = seen[5].sequence_number;
    const rest: any[] = [];
    for await (const ev of await gw.client.responses.retrieve(id, { stream: true, starting_after: k })) rest.push(ev);
    expect(rest[0].sequence_number).toBe(k + 1);
    expect(rest.map((e) => e.sequence_number)).toEqual(rest.map((_, i) => k + 1 + i));
    expect(rest.at(-1).type).toBe('response.completed');
    expect(rest.at(-1).response.output_text ?? rest.at(-1).response.output[0].content[0].text).toBe('w0 w1 w2 w3 w4 w5 w6 w7 ');

    // The SDK helper: full replay, local filtering at starting_after, final response.
    const helper = gw.client.responses.stream({ response_id: id, starting_after: k });
    const types: string[] = [];
    helper.on('event', (e) => types.push(e.type));
    const final = await helper.finalResponse();
    expect(final.output_text).toBe('w0 w1 w2 w3 w4 w5 w6 w7 ');
    expect(types.length).toBe(rest.length);
  });

  it('cancels a running background response: upstream aborted, partial output kept, idempotent', async () => {
    slowWords(gw, 200, 20);
    const abortsBefore = gw.upstream.aborts;
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
    await until(() => gw.client.responses.retrieve(r.id), (x) => x.status === 'in_progress');
    await new Promise((res) => setTimeout(res, 100));
    const cancelled = await gw.client.responses.cancel(r.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.output.length).toBe(1);
    expect((cancelled.output[0] as any).status).toBe('incomplete');
    await until(async () => gw.upstream.aborts, (n) => n > abortsBefore);
    expect(gw.upstream.aborts).toBeGreaterThan(abortsBefore);
    expect((await gw.client.responses.cancel(r.id)).status).toBe('cancelled');
    expect((await gw.client.responses.retrieve(r.id)).status).toBe('cancelled');
    const events: any[] = [];
    for await (const ev of await gw.client.responses.retrieve(r.id, { stream: true })) events.push(ev);
    expect(events.at(-1).type).toBe('response.incomplete');
    expect(events.at(-1).response.status).toBe('cancelled');
  });

  it('deleting a running background response stops the run and deletes it', async () => {
    slowWords(gw, 200, 20);
    const abortsBefore = gw.upstream.aborts;
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
    await until(() => gw.client.responses.retrieve(r.id), (x) => x.status === 'in_progress');
    await gw.client.responses.delete(r.id);
    await until(async () => gw.upstream.aborts, (n) => n > abortsBefore);
    expect(gw.upstream.aborts).toBeGreaterThan(abortsBefore);
    const gone = await gw.client.responses.retrieve(r.id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await gw.client.responses.delete(r.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('follows OpenAI for the edge cases: store:false, foreground cancel/stream, unknown ids', async () => {
    const noStore = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true, store: false }).catch((e: unknown) => e);
    expect(noStore).toBeInstanceOf(OpenAI.BadRequestError);
    expect((noStore as any).param).toBe('background');
    slowWords(gw, 2, 0);
    const fg = await gw.client.responses.create({ model: 'fake-model', input: 'hi' });
    expect(await gw.client.responses.cancel(fg.id).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.BadRequestError);
    const res = await fetch(`${gw.url}/v1/responses/${fg.id}?stream=true`);
    expect(res.status).toBe(400);
    expect(await gw.client.responses.cancel('resp_doesnotexist').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
    const bad = await fetch(`${gw.url}/v1/responses/${fg.id}?stream=true&starting_after=x`);
    expect(bad.status).toBe(400);
  });

  it('a failed background run is stored failed, with its error and the error event in the log', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['par', 'tial']), { dieAfter: 2 }));
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
    const done = await until(() => gw.client.responses.retrieve(r.id), (x) => x.status === 'failed');
    expect(done.status).toBe('failed');
    expect(done.error?.message).toBeTruthy();
    const res = await fetch(`${gw.url}/v1/responses/${r.id}?stream=true`);
    const text = await res.text();
    expect(text).toContain('event: error');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('a foreground stream whose client leaves is stored cancelled with its partial output', async () => {
    slowWords(gw, 200, 20);
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'hi', stream: true });
    let id = '';
    let n = 0;
    for await (const ev of stream) {
      if (ev.type === 'response.created') id = ev.response.id;
      if (ev.type === 'response.output_text.delta' && ++n === 3) break;
    }
    const stored = await until(() => gw.client.responses.retrieve(id).catch(() => null), (x) => x !== null);
    expect(stored?.status).toBe('cancelled');
    expect(stored?.output_text.startsWith('w0 w1 w2')).toBe(true);
  });
});

describe('background runs belong to the API key that created them', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ sqliteStore: true, env: { apiKeys: ['key-a', 'key-b'] }, runSettings: { pollMs: 50, flushMs: 5 } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('another key cannot poll, stream, or cancel it', async () => {
    slowWords(gw, 100, 20);
    const a = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'key-a', maxRetries: 0 });
    const b = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'key-b', maxRetries: 0 });
    const r = await a.responses.create({ model: 'fake-model', input: 'hi', background: true });
    await expect(b.responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(b.responses.cancel(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(b.responses.delete(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const res = await fetch(`${gw.url}/v1/responses/${r.id}?stream=true`, { headers: { authorization: 'Bearer key-b' } });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    expect((await a.responses.cancel(r.id)).status).toBe('cancelled');
  });
});

describe('graceful shutdown with a background run still going', () => {
  it('gives it VR_BACKGROUND_SHUTDOWN_GRACE_SEC, then stores it failed with gateway_shutdown', async () => {
    const { store, cleanup } = await storeBackends()[0]!.open();
    try {
      const gw = await startTestGateway({ store, runSettings: { pollMs: 50, flushMs: 5, shutdownGraceMs: 300 } });
      slowWords(gw, 500, 20);
      const r = await gw.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
      await until(() => gw.client.responses.retrieve(r.id), (x) => x.status === 'in_progress');
      await gw.close();
      const stored = await store.get(r.id, ANONYMOUS_PRINCIPAL);
      expect(stored?.status).toBe('failed');
      expect((stored?.error as { code?: string } | null | undefined)?.code).toBe('gateway_shutdown');
    } finally {
      await cleanup();
    }
  });
});
