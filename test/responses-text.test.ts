import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSse, textChunks, chunk, usageChunk } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, specErrors } from './support/schemas.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
});

function expectValidResponse(resp: unknown) {
  expect(specErrors('ResponseResource', resp)).toEqual([]);
}

describe('POST /v1/responses (text)', () => {
  it('returns a complete response object for a string input, with settings echoed and usage mapped', async () => {
    gw.upstream.setChatHandler(async (_req, res) => {
      await sendSse(res, [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Paris' }),
        chunk({ content: '.' }),
        chunk({}, 'stop'),
        { ...usageChunk(12, 2), usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14, prompt_tokens_details: { cached_tokens: 4 } } },
      ]);
    });
    const resp = await gw.client.responses.create({
      model: 'fake-model',
      input: 'What is the capital of France?',
      instructions: 'Be brief.',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 50,
      metadata: { team: 'a' },
      user: 'u-1',
    });
    expectValidResponse(resp);
    expect(resp.id).toMatch(/^resp_[0-9a-f]{60}$/);
    expect(resp.status).toBe('completed');
    expect(resp.output_text).toBe('Paris.');
    expect(resp.output).toHaveLength(1);
    expect(resp.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Paris.', annotations: [] }] });
    expect(resp).toMatchObject({ temperature: 0.2, top_p: 0.9, max_output_tokens: 50, metadata: { team: 'a' }, user: 'u-1', instructions: 'Be brief.', model: 'fake-model' });
    expect(resp.usage).toEqual({ input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 });

    const upstreamBody = gw.upstream.requests.at(-1)!.body;
    expect(upstreamBody.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'What is the capital of France?' },
    ]);
    // A JSON client watches nothing live: the upstream is asked for one JSON answer (this scripted one streams anyway).
    expect(upstreamBody).toMatchObject({ model: 'fake-model', stream: false, temperature: 0.2, top_p: 0.9 });
    expect(upstreamBody).not.toHaveProperty('stream_options');
    expect(upstreamBody.max_tokens).toBe(50);
  });

  it('streams events in the documented order with increasing sequence numbers, each valid against the spec', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['Hel', 'lo', ' world'])));
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'hi', stream: true });
    const events: any[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    events.forEach((ev, i) => {
      expect(ev.sequence_number).toBe(i);
      expect(eventSpecErrors(ev)).toEqual([]);
    });
    const done = events.at(-1).response;
    expect(done.output[0].content[0].text).toBe('Hello world');
    expect(done.status).toBe('completed');
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta)).toEqual(['Hel', 'lo', ' world']);
  });

  it('ends the raw SSE stream with data: [DONE]', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['ok'])));
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: 'hi', stream: true }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text.startsWith('event: response.created\ndata: {')).toBe(true);
  });

  it('client.responses.stream() helper yields the final response', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['a', 'b'])));
    const stream = gw.client.responses.stream({ model: 'fake-model', input: 'hi' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(['a', 'b']);
    expect(final.output_text).toBe('ab');
    expectValidResponse(final);
  });

  it('maps finish_reason length to incomplete/max_output_tokens', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['trunc'], 'length')));
    const resp = await gw.client.responses.create({ model: 'fake-model', input: 'long story', max_output_tokens: 16 });
    expectValidResponse(resp);
    expect(resp.status).toBe('incomplete');
    expect(resp.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(resp.output[0]).toMatchObject({ status: 'incomplete' });

    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'long story', max_output_tokens: 16, stream: true });
    const types: string[] = [];
    let last: any;
    for await (const ev of stream) {
      types.push(ev.type);
      last = ev;
    }
    expect(types.at(-1)).toBe('response.incomplete');
    expect(last.response.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('maps finish_reason content_filter to incomplete/content_filter', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['x'], 'content_filter')));
    const resp = await gw.client.responses.create({ model: 'fake-model', input: 'x' });
    expect(resp.status).toBe('incomplete');
    expect(resp.incomplete_details).toEqual({ reason: 'content_filter' });
  });

  it('sends message items with roles, part content and phase upstream in order', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['ok'])));
    await gw.client.responses.create({
      model: 'fake-model',
      instructions: 'sys',
      input: [
        { role: 'developer', content: 'dev rules' },
        { role: 'user', content: [{ type: 'input_text', text: 'first' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'answer', annotations: [] }], phase: 'final_answer' } as any,
        { role: 'user', content: 'second' },
      ],
    });
    const messages = gw.upstream.requests.at(-1)!.body.messages;
    expect(messages.map((m: any) => m.role)).toEqual(['system', 'system', 'user', 'assistant', 'user']);
    expect(messages[3].content).toBe('answer');
    expect(messages[4].content).toBe('second');
  });
});
