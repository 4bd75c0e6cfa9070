import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, textChunks, usageChunk } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * What real clients send that a strict reading of the spec would refuse: bodiless requests with
 * a JSON content type, fields the gateway has no use for, schemas of every JSON Schema draft,
 * `parallel_tool_calls: false` against an upstream that ignores it, and long quiet streams.
 */
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true, env: { sseKeepAliveSeconds: 0.2 } });
});
afterAll(async () => {
  await gw.close();
});

async function post(body: unknown): Promise<Response> {
  return fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function lastChatBody(): any {
  return gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
}

describe('bodiless requests', () => {
  it('DELETE with content-type application/json and no body (the Python SDK) deletes', async () => {
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'keep me' });
    // Exactly what openai-python sends: the JSON header, content-length 0.
    const res = await fetch(`${gw.url}/v1/responses/${r.id}`, { method: 'DELETE', headers: { 'content-type': 'application/json', 'content-length': '0' } });
    expect(res.status).toBe(200);
    expect((await res.json()) as any).toEqual({ id: r.id, object: 'response', deleted: true });
  });

  it('GET and DELETE accept an empty body under any content type', async () => {
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'x' });
    for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
      const got = await fetch(`${gw.url}/v1/responses/${r.id}`, { headers: { 'content-type': type } });
      expect(got.status).toBe(200);
      const items = await fetch(`${gw.url}/v1/responses/${r.id}/input_items`, { headers: { 'content-type': type } });
      expect(items.status).toBe(200);
    }
    const del = await fetch(`${gw.url}/v1/responses/${r.id}`, { method: 'DELETE', headers: { 'content-type': 'text/plain' } });
    expect(del.status).toBe(200);
  });

  it('a POST that needs a body still says so; a non-JSON body is still 415', async () => {
    const empty = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as any).error.code).toBe('invalid_body');
    const xml = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(xml.status).toBe(415);
  });
});

describe('request fields', () => {
  it('accepts fields OpenAI takes and the gateway ignores (client_metadata, prompt_cache_retention)', async () => {
    const res = await post({ model: 'fake-model', input: 'hi', client_metadata: { session_id: 's1' }, prompt_cache_retention: '24h', prompt_cache_options: {} });
    expect(res.status).toBe(200);
    expect(lastChatBody().client_metadata).toBeUndefined();
  });

  it('accepts image options unless they require image-context compression', async () => {
    for (const context_compression of ['auto', 'disabled']) {
      const ok = await post({ model: 'fake-model', input: 'hi', image: { context_compression } });
      expect(ok.status).toBe(200);
      expect(lastChatBody().image).toBeUndefined();
    }
    const refused = await post({ model: 'fake-model', input: 'hi', image: { context_compression: 'enabled' } });
    expect(refused.status).toBe(400);
    const body: any = await refused.json();
    expect(body.error.param).toBe('image.context_compression');
    expect(body.error.message).toContain('does not compress image context');
  });

  it('forwards prompt_cache_key as cache_salt, an explicit service_tier and text.verbosity', async () => {
    const res = await post({ model: 'fake-model', input: 'hi', prompt_cache_key: 'session-42', service_tier: 'flex', text: { verbosity: 'low' } });
    expect(res.status).toBe(200);
    const body = lastChatBody();
    expect(body.cache_salt).toBe('session-42');
    expect(body.service_tier).toBe('flex');
    expect(body.verbosity).toBe('low');
    const json: any = await res.json();
    expect(json.prompt_cache_key).toBe('session-42');
    // Every tier of the openai SDK's ServiceTier is accepted (and forwarded as explicit tiers are).
    for (const tier of ['scale', 'priority', 'fast', 'ultrafast']) {
      const r = await post({ model: 'fake-model', input: 'hi', service_tier: tier });
      expect(r.status).toBe(200);
      expect(lastChatBody().service_tier).toBe(tier);
    }
  });

  it('an unknown top-level field is still a 400 naming it', async () => {
    const res = await post({ model: 'fake-model', input: 'hi', not_a_field: 1 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('not_a_field');
  });

  it('an unknown tool, item or content part type is a 400 naming the type', async () => {
    const tool = await post({ model: 'fake-model', input: 'hi', tools: [{ type: 'function', name: 'f' }, { type: 'image_generation_v9' }] });
    expect(tool.status).toBe(400);
    const tb = ((await tool.json()) as any).error;
    expect(tb.param).toBe('tools[1].type');
    expect(tb.message).toContain("'image_generation_v9'");
    const item = await post({ model: 'fake-model', input: [{ type: 'hologram_call', id: 'x' }] });
    expect(item.status).toBe(400);
    expect(((await item.json()) as any).error).toMatchObject({ param: 'input[0].type', message: expect.stringContaining("'hologram_call'") });
    const part = await post({ model: 'fake-model', input: [{ role: 'user', content: [{ type: 'input_smell', text: 'x' }] }] });
    expect(part.status).toBe(400);
    expect(((await part.json()) as any).error.param).toBe('input[0].content[0].type');
  });
});

describe('JSON Schema drafts', () => {
  const withRefs = (draft: string | null, defsKey: '$defs' | 'definitions') => ({
    ...(draft ? { $schema: draft } : {}),
    type: 'object',
    properties: { city: { $ref: `#/${defsKey}/City` } },
    required: ['city'],
    additionalProperties: false,
    [defsKey]: { City: { type: 'string', minLength: 1 } },
  });

  it.each([
    ['draft 2020-12', withRefs('https://json-schema.org/draft/2020-12/schema', '$defs')],
    ['draft 2019-09', withRefs('https://json-schema.org/draft/2019-09/schema', '$defs')],
    ['draft-07', withRefs('http://json-schema.org/draft-07/schema#', 'definitions')],
    ['no $schema', withRefs(null, '$defs')],
  ])('%s parameters and text.format schemas are accepted', async (_name, schema) => {
    const res = await post({ model: 'fake-model', input: 'hi', tools: [{ type: 'function', name: 'weather', parameters: schema }] });
    expect(res.status).toBe(200);
    expect(lastChatBody().tools[0].function.parameters).toEqual(schema);
    const structured = await post({ model: 'fake-model', input: 'hi', text: { format: { type: 'json_schema', name: 'out', schema } } });
    expect(structured.status).toBe(200);
  });

  it('an invalid schema is a 400 naming the problem, never a 500', async () => {
    const badRef = await post({ model: 'fake-model', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: { type: 'object', properties: { a: { $ref: '#/$defs/Nope' } } } }] });
    expect(badRef.status).toBe(400);
    const e1 = ((await badRef.json()) as any).error;
    expect(e1.param).toBe('tools[0].parameters');
    expect(e1.message).toContain('#/$defs/Nope');
    const badType = await post({
      model: 'fake-model',
      input: 'hi',
      text: { format: { type: 'json_schema', name: 'o', schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'objekt' } } },
    });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as any).error.param).toBe('text.format.schema');
  });
});

describe('parallel_tool_calls: false', () => {
  it('at most one call per turn reaches the client even when the upstream makes two', async () => {
    gw.upstream.setChatHandler(async (_req, res) => {
      await sendSse(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"n":1}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'f', arguments: '{"n":2}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(10, 5),
      ]);
    });
    const tools = [{ type: 'function' as const, name: 'f', parameters: { type: 'object', properties: { n: { type: 'number' } } }, strict: false }];
    const single = await gw.client.responses.create({ model: 'fake-model', input: 'go', tools, parallel_tool_calls: false });
    expect(single.output.filter((o) => o.type === 'function_call').map((o: any) => o.call_id)).toEqual(['call_a']);
    expect(lastChatBody().parallel_tool_calls).toBe(false);
    const events: any[] = [];
    for await (const ev of await gw.client.responses.create({ model: 'fake-model', input: 'go', tools, parallel_tool_calls: false, stream: true })) events.push(ev);
    expect(events.filter((e) => e.type === 'response.output_item.added').map((e) => e.item.call_id)).toEqual(['call_a']);
    const both = await gw.client.responses.create({ model: 'fake-model', input: 'go', tools });
    expect(both.output.filter((o) => o.type === 'function_call')).toHaveLength(2);
  });
});

describe('SSE keep-alive', () => {
  it('sends comments while the stream is idle, then the events unchanged', async () => {
    gw.upstream.setChatHandler(async (_req, res) => {
      // Accepted at once (as vLLM sends its stream headers before prefill; a refusal before that
      // is a plain HTTP error for the client), then quiet for longer than the keep-alive
      // interval (0.2 s in this gateway).
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.flushHeaders();
      await new Promise((r) => setTimeout(r, 700));
      await sendSse(res, textChunks(['late ', 'answer']));
    });
    const res = await post({ model: 'fake-model', input: 'hi', stream: true });
    const text = await res.text();
    expect(text).toContain(': keep-alive\n\n');
    expect(text).toContain('event: response.completed');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // The SDK ignores comments.
    const events: string[] = [];
    for await (const ev of await gw.client.responses.create({ model: 'fake-model', input: 'hi', stream: true })) events.push(ev.type);
    expect(events.at(-1)).toBe('response.completed');
  });
});
