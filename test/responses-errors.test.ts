import { createServer } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendJson, sendSse, textChunks } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors } from './support/schemas.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

async function post(body: unknown, raw?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function expectOpenAIError(body: any) {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
}

describe('validation errors', () => {
  it.each([
    [{ input: 'hi' }, 'model', 'missing_required_parameter'],
    [{ model: 'm' }, 'input', 'missing_required_parameter'],
    [{ model: 'm', input: 'hi', bogus: 1 }, 'bogus', 'unknown_parameter'],
    [{ model: 'm', input: 'hi', temperature: 'hot' }, 'temperature', 'invalid_value'],
    [{ model: 'm', input: 'hi', temperature: 7 }, 'temperature', 'invalid_value'],
    [{ model: 'm', input: [{ role: 'wizard', content: 'x' }] }, 'input[0].role', 'invalid_value'],
    [{ model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 5 }] }] }, 'input[0].content[0].text', 'invalid_value'],
    [{ model: 'm', input: 'hi', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata', 'invalid_value'],
    [{ model: 'm', input: 'hi', max_tool_calls: 0 }, 'max_tool_calls', 'invalid_value'],
    [{ model: 'm', input: 'hi', include: ['nope'] }, 'include[0]', 'invalid_value'],
    [{ model: 'm', input: 'hi', tool_choice: { type: 'function', name: 'f' } }, 'tool_choice', 'invalid_value'],
    [{ model: 'm', input: 'hi', tools: [{ type: 'function', name: 'mcp__x' }] }, 'tools[0].name', 'invalid_value'],
    [{ model: 'm', input: 'hi', tools: [{ type: 'function', name: 'f' }, { type: 'function', name: 'f' }] }, 'tools[1].name', 'duplicate_value'],
    [{ model: 'm', input: 'hi', background: true, store: false }, 'background', 'invalid_value'],
    [{ model: 'm', input: 'hi', previous_response_id: "resp_' OR 1=1 --" }, 'previous_response_id', 'previous_response_not_found'],
  ])('%j → 400 naming %s', async (body, param, code) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expectOpenAIError(res.body);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param, code });
  });

  it('is a plain 400 even when stream is true', async () => {
    const res = await post({ input: 'hi', stream: true });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('model');
  });

  it('malformed JSON, non-object bodies, empty bodies and wrong content types are 4xx in OpenAI shape', async () => {
    for (const raw of ['{"model":', '[1,2]', '"str"', 'null']) {
      const res = await post(undefined, raw);
      expect(res.status).toBe(400);
      expectOpenAIError(res.body);
    }
    const empty = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(400);
    expectOpenAIError(await empty.json());
    const text = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(text.status).toBe(400);
    expectOpenAIError(await text.json());
    const xml = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(xml.status).toBe(415);
    expectOpenAIError(await xml.json());
  });

  it('rejects a huge body with 413 and keeps serving', async () => {
    const huge = JSON.stringify({ model: 'm', input: 'x'.repeat(40 * 1024 * 1024) });
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
    expect(res.status).toBe(413);
    expectOpenAIError(await res.json());
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
  });

  it('unknown routes are 404 in OpenAI shape; /health is 200 {}', async () => {
    const res = await fetch(`${gw.url}/v1/nope`);
    expect(res.status).toBe(404);
    expectOpenAIError(await res.json());
    const health = await fetch(`${gw.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({});
  });
});

describe('upstream errors', () => {
  it('keeps the upstream status and message (unknown model → 404) for JSON requests', async () => {
    gw.upstream.setChatHandler((_req, res) =>
      sendJson(res, 404, { error: { code: 404, message: 'The model `nope` does not exist.', param: 'model', type: 'NotFoundError' } }),
    );
    const err = await gw.client.responses.create({ model: 'nope', input: 'hi' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).message).toContain('The model `nope` does not exist.');
  });

  it('an upstream that rejects a streaming request before its first event is a plain HTTP error', async () => {
    gw.upstream.setChatHandler((_req, res) =>
      sendJson(res, 400, { object: 'error', message: "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens.", type: 'BadRequestError', param: null, code: 400 }),
    );
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: 'hi', stream: true }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expectOpenAIError(body);
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('maximum context length is 4096');
    // The official SDK sees the status as an APIError before any event, as with a JSON request.
    gw.upstream.setChatHandler((_req, res) => sendJson(res, 429, { object: 'error', message: 'Too many requests', type: 'RateLimitError', param: null, code: 429 }));
    const err = await gw.client.responses.create({ model: 'fake-model', input: 'hi', stream: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('connection refused → 502 upstream_unavailable; passthrough too', async () => {
    const closed = await freePort();
    const dead = await startTestGateway({ serve: {}, upstream: { ...gw.upstream, url: `http://127.0.0.1:${closed}/v1` } as any });
    try {
      const res = await fetch(`${dead.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'hi' }) });
      expect(res.status).toBe(502);
      expect(((await res.json()) as any).error.code).toBe('upstream_unavailable');
      const models = await fetch(`${dead.url}/v1/models`);
      expect(models.status).toBe(502);
      expect(((await models.json()) as any).error.code).toBe('upstream_unavailable');
    } finally {
      await dead.close();
    }
  });

  it('an upstream that dies mid-stream → response.failed for streams, 502 for JSON', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['par', 'tial', ' answer']), { dieAfter: 3 }));
    const events = await rawStream({ model: 'fake-model', input: 'hi', stream: true });
    const types = events.map((e) => e.type);
    expect(types).toContain('response.output_text.delta');
    expect(types.slice(-2)).toEqual(['error', 'response.failed']);
    expect(events.at(-1).response.status).toBe('failed');
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    // The official SDK surfaces the stream's error event as an exception, as with OpenAI itself.
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'hi', stream: true });
    await expect(
      (async () => {
        for await (const _ev of stream) {
          // drain
        }
      })(),
    ).rejects.toThrow(/Upstream/);

    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'hi' }) });
    expect(res.status).toBe(502);
    expectOpenAIError(await res.json());
  });

  it('a client that disconnects mid-stream aborts the upstream request immediately', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    gw.upstream.setChatHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'first' }))}\n\n`);
      release();
      // Keep the stream open "forever": only the gateway's abort can end it.
      await new Promise((r) => res.once('close', r));
    });
    const abortsBefore = gw.upstream.aborts;
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: 'hi', stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await gate;
    await reader.read();
    controller.abort();
    await expect.poll(() => gw.upstream.aborts, { timeout: 3000 }).toBe(abortsBefore + 1);
  });
});

describe('passthrough', () => {
  it('forwards GET /v1/models unchanged', async () => {
    const res = await gw.client.models.list();
    expect(res.data.map((m) => m.id)).toEqual(['fake-model']);
  });

  it('forwards POST /v1/chat/completions bytes unchanged, streaming and not, with the upstream key', async () => {
    gw.upstream.setChatHandler((req, res) => (req.body.stream ? sendSse(res, textChunks(['a', 'b'])) : sendJson(res, 200, { id: 'x', object: 'chat.completion', choices: [] })));
    const raw = '{"model":"fake-model",  "messages":[{"role":"user","content":"hi"}]}';
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'x', object: 'chat.completion', choices: [] });
    expect(gw.upstream.requests.at(-1)!.rawBody).toBe(raw);

    const stream = await gw.client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('ab');
  });

  it('keeps upstream error statuses', async () => {
    gw.upstream.setChatHandler((_req, res) => sendJson(res, 404, { error: { message: 'no such model', type: 'NotFoundError', param: 'model', code: 404 } }));
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"x","messages":[]}' });
    expect(res.status).toBe(404);
  });
});

function parseSse(text: string): any[] {
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event:'))
    .map((b) => JSON.parse(b.split('\ndata: ')[1]!));
}

async function rawStream(body: unknown): Promise<any[]> {
  const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  return parseSse(text);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('non-streaming client disconnect', () => {
  it('aborts the upstream request and keeps serving', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    gw.upstream.setChatHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'slow' }))}\n\n`);
      release();
      await new Promise((r) => res.once('close', r));
    });
    const before = gw.upstream.aborts;
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: 'hi' }),
      signal: controller.signal,
    }).catch(() => null);
    await gate;
    controller.abort();
    await pending;
    await expect.poll(() => gw.upstream.aborts, { timeout: 3000 }).toBe(before + 1);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});
