import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, usageChunk } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, specErrors } from './support/schemas.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
});
afterAll(async () => {
  await gw.close();
});

/** vLLM with a reasoning parser: some servers send `reasoning`, some `reasoning_content`, some both. */
function reasoningStream(): Record<string, unknown>[] {
  return [
    chunk({ role: 'assistant', content: '' }),
    chunk({ reasoning_content: 'The user ', reasoning: 'The user ' }),
    chunk({ reasoning: 'wants 2+2.' }),
    chunk({ reasoning_content: ' Easy.' }),
    chunk({ content: '4' }),
    chunk({}, 'stop'),
    {
      ...usageChunk(20, 9),
      usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29, completion_tokens_details: { reasoning_tokens: 7 } },
    },
  ];
}

async function collect(stream: AsyncIterable<any>): Promise<any[]> {
  const out: any[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

describe('reasoning', () => {
  it('becomes a reasoning item before the message, streamed as reasoning_text events, never doubled', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, reasoningStream()));
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: '2+2?', reasoning: { effort: 'low' }, stream: true }));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    const final = events.at(-1).response;
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'The user wants 2+2. Easy.' }] });
    expect(final.output[0].id).toMatch(/^rs_/);
    expect(final.output[1]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: '4' }] });
    expect(final.usage.output_tokens_details.reasoning_tokens).toBe(7);
    expect(final.reasoning.effort).toBe('low');
    expect(gw.upstream.requests.at(-1)!.body.reasoning_effort).toBe('low');
    expect(specErrors('ResponseResource', final)).toEqual([]);
  });

  it('sends reasoning back upstream on the assistant message when continuing', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, reasoningStream()));
    const r1 = await gw.client.responses.create({ model: 'fake-model', input: '2+2?' });
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]));
    await gw.client.responses.create({ model: 'fake-model', input: 'thanks', previous_response_id: r1.id });
    const messages = gw.upstream.requests.at(-1)!.body.messages;
    expect(messages[1]).toMatchObject({ role: 'assistant', content: '4', reasoning: 'The user wants 2+2. Easy.' });
  });

  it('uses the Open Responses event names with VR_REASONING_EVENTS=openresponses', async () => {
    const alt = await startTestGateway({ env: { reasoningEvents: 'openresponses' } });
    try {
      alt.upstream.setChatHandler((_req, res) => sendSse(res, reasoningStream()));
      const events = await collect(await alt.client.responses.create({ model: 'fake-model', input: '2+2?', stream: true }));
      const types = events.map((e) => e.type);
      expect(types).toContain('response.reasoning.delta');
      expect(types).toContain('response.reasoning.done');
      expect(types.some((t) => t.startsWith('response.reasoning_text'))).toBe(false);
      for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    } finally {
      await alt.close();
    }
  });
});

describe('structured outputs', () => {
  it('maps text.format json_schema and json_object to response_format and echoes text', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: '{"a":1}' }), chunk({}, 'stop')]));
    const schema = { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'], additionalProperties: false };
    const r = await gw.client.responses.create({
      model: 'fake-model',
      input: 'json please',
      text: { format: { type: 'json_schema', name: 'thing', schema, strict: true, description: 'A thing' }, verbosity: 'low' },
    });
    expect(gw.upstream.requests.at(-1)!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'thing', schema, strict: true, description: 'A thing' } });
    expect(r.text).toEqual({ format: { type: 'json_schema', name: 'thing', schema, strict: true, description: 'A thing' }, verbosity: 'low' });
    expect(r.output_text).toBe('{"a":1}');

    await gw.client.responses.create({ model: 'fake-model', input: 'json', text: { format: { type: 'json_object' } } });
    expect(gw.upstream.requests.at(-1)!.body.response_format).toEqual({ type: 'json_object' });
    await gw.client.responses.create({ model: 'fake-model', input: 'plain', text: { format: { type: 'text' } } });
    expect(gw.upstream.requests.at(-1)!.body.response_format).toBeUndefined();
  });

  it('rejects an invalid json_schema with 400 naming the param', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'n', schema: { type: 12 } } } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.param).toBe('text.format.schema');
  });
});

describe('images and files', () => {
  it('sends input_image parts as image_url content parts with detail', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'a cat' }), chunk({}, 'stop')]));
    const dataUrl = 'data:image/png;base64,iVBORw0KGgo=';
    await gw.client.responses.create({
      model: 'fake-model',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is this?' },
            { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'high' },
            { type: 'input_image', image_url: dataUrl, detail: 'auto' },
          ],
        },
      ],
    });
    const content = gw.upstream.requests.at(-1)!.body.messages[0].content;
    expect(content).toEqual([
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
      { type: 'image_url', image_url: { url: dataUrl, detail: 'auto' } },
    ]);
  });

  it('forwards inline files and rejects file forms no Chat Completions upstream accepts', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'read' }), chunk({}, 'stop')]));
    await gw.client.responses.create({
      model: 'fake-model',
      input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }] }],
    });
    const part = gw.upstream.requests.at(-1)!.body.messages[0].content[0];
    expect(part.type).toBe('file');
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file-123' }] }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.type).toBe('invalid_request_error');
  });
});

describe('logprobs and refusals', () => {
  it('maps upstream logprobs onto output_text and delta events when included', async () => {
    const lp = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob, bytes: [...Buffer.from(token)] }] });
    gw.upstream.setChatHandler((_req, res) =>
      sendSse(res, [
        { ...chunk({ content: 'Hi' }), choices: [{ index: 0, delta: { content: 'Hi' }, logprobs: { content: [lp('Hi', -0.1)] }, finish_reason: null }] },
        { ...chunk({ content: '!' }), choices: [{ index: 0, delta: { content: '!' }, logprobs: { content: [lp('!', -0.5)] }, finish_reason: null }] },
        chunk({}, 'stop'),
      ]),
    );
    const events = await collect(
      await gw.client.responses.create({ model: 'fake-model', input: 'x', top_logprobs: 1, include: ['message.output_text.logprobs'], stream: true }),
    );
    const body = gw.upstream.requests.at(-1)!.body;
    expect(body.logprobs).toBe(true);
    expect(body.top_logprobs).toBe(1);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas[0].logprobs).toEqual([lp('Hi', -0.1)]);
    const final = events.at(-1).response;
    expect(final.output[0].content[0].logprobs).toEqual([lp('Hi', -0.1), lp('!', -0.5)]);
    expect(final.top_logprobs).toBe(1);
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
  });

  it('turns an upstream refusal into a refusal part with refusal events', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ role: 'assistant', refusal: '' }), chunk({ refusal: "I can't " }), chunk({ refusal: 'help.' }), chunk({}, 'stop')]));
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: 'bad', stream: true }));
    const types = events.map((e) => e.type);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.at(-1).response.output[0].content).toEqual([{ type: 'refusal', refusal: "I can't help." }]);
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
  });
});
