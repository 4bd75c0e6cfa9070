/**
 * Token counting and truncation through the real CLI with the openai SDK, against the fake
 * upstream's `/tokenize` and a small `max_model_len` (200 tokens).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoHandler, fakeTokenCount, sendSse, startFakeUpstream, textChunks, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { jsonLines, waitFor, type ServeProcess } from '../operations/support.js';
import { startCliSetup, type CliSetup } from './cli-setup.js';

const MAX_MODEL_LEN = 200;
let setup: CliSetup;
let upstream: FakeUpstream;
let gw: ServeProcess;
let client: OpenAI;

beforeAll(async () => {
  setup = await startCliSetup({ upstream: { maxModelLen: MAX_MODEL_LEN } });
  ({ upstream, gw } = setup);
  client = setup.client();
}, 60_000);

afterAll(() => setup?.stop());

const sentChats = () => upstream.requests.filter((r) => r.path === '/v1/chat/completions');
const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');

describe('POST /v1/responses/input_tokens', () => {
  it('equals what the upstream counts for the same turn (previous_response_id, tools, instructions)', async () => {
    const tools = [{ type: 'function' as const, name: 'lookup', description: 'find a thing', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }];
    const first = await client.responses.create({ model: 'fake-model', input: 'one two three' });
    const body = { model: 'fake-model', input: 'four five', previous_response_id: first.id, instructions: 'be brief please', tools };
    const counted = await client.responses.inputTokens.count(body);
    expect(counted.object).toBe('response.input_tokens');
    await client.responses.create(body);
    const sent = sentChats().at(-1)!.body;
    expect(counted.input_tokens).toBe(fakeTokenCount(sent));
    expect(counted.input_tokens).toBeGreaterThan(10);
    // `model` and `input` are optional; bad input is a 400 naming the param.
    expect((await client.responses.inputTokens.count({ input: 'hi' })).input_tokens).toBe(fakeTokenCount({ messages: [{ role: 'user', content: 'hi' }] }));
    await expect(client.responses.inputTokens.count({ model: 'fake-model', input: [{ type: 'bogus' } as never] })).rejects.toMatchObject({ status: 400 });
  });

  it('falls back to an estimate when the upstream has no /tokenize', async () => {
    const bare = await startFakeUpstream({ tokenize: false });
    let local: TestGateway | null = null;
    try {
      local = await startTestGateway({ upstream: bare });
      const text = words(100, 'w');
      const counted = await local.client.responses.inputTokens.count({ model: 'fake-model', input: text });
      // ~4 bytes per token of the rendered request: in the right range, never zero.
      expect(counted.input_tokens).toBeGreaterThan(text.length / 8);
      expect(counted.input_tokens).toBeLessThan(text.length);
    } finally {
      await local?.close();
      await bare.close();
    }
  });
});

describe('truncation', () => {
  it("'disabled' keeps context_length_exceeded; 'auto' drops the oldest items and answers", async () => {
    // Four turns of ~45 tokens each: the chain outgrows the 200-token context.
    let prev: string | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await client.responses.create({ model: 'fake-model', input: words(20, `t${i}-`), previous_response_id: prev, instructions: 'system rules', truncation: 'auto', max_output_tokens: 10 });
      prev = r.id;
    }
    const body = { model: 'fake-model', input: 'final question', previous_response_id: prev, instructions: 'system rules', max_output_tokens: 10 };
    await expect(client.responses.create(body)).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
    const answered = await client.responses.create({ ...body, truncation: 'auto' });
    expect(answered.status).toBe('completed');
    expect(answered.truncation).toBe('auto');
    const sent = sentChats().at(-1)!.body as { messages: { role: string; content: unknown }[] };
    expect(fakeTokenCount(sent) + 10).toBeLessThanOrEqual(MAX_MODEL_LEN);
    // Instructions kept, oldest turns gone, the question last.
    expect(sent.messages[0]).toMatchObject({ role: 'system', content: 'system rules' });
    expect(JSON.stringify(sent.messages)).not.toContain('t0-0');
    expect(sent.messages.at(-1)).toMatchObject({ role: 'user' });
    expect(JSON.stringify(sent.messages.at(-1))).toContain('final question');
    // A single input larger than the context cannot be helped: still a 400.
    await expect(client.responses.create({ model: 'fake-model', input: words(300, 'x'), truncation: 'auto' })).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded' });
  });

  it('never separates a function call from its output', async () => {
    const call = await client.responses.create({
      model: 'fake-model',
      input: [
        { type: 'message', role: 'user', content: words(60, 'a') },
        { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: JSON.stringify({ q: words(30, 'q') }) },
        { type: 'function_call_output', call_id: 'call_1', output: words(30, 'o') },
        { type: 'message', role: 'assistant', content: words(20, 'b') },
        { type: 'message', role: 'user', content: words(50, 'c') },
      ],
      truncation: 'auto',
      max_output_tokens: 5,
    });
    expect(call.status).toBe('completed');
    const sent = sentChats().at(-1)!.body as { messages: { role: string; tool_calls?: unknown[]; tool_call_id?: string }[] };
    const calls = sent.messages.filter((m) => m.tool_calls?.length).length;
    const outputs = sent.messages.filter((m) => m.role === 'tool').length;
    expect(calls).toBe(outputs);
    // Something was dropped (the oldest message first), yet the question is there.
    expect(JSON.stringify(sent.messages)).not.toContain('a0 ');
    expect(JSON.stringify(sent.messages)).toContain('c49');
  });

  it('reports what it left out: a response header (JSON and stream), usage of the truncated input, a log line and metrics', async () => {
    // This upstream reports the prompt it was sent in its usage, as vLLM does.
    upstream.setChatHandler((req, res) => sendSse(res, textChunks(['ok'], 'stop', [fakeTokenCount(req.body as never), 1])));
    const droppedMetric = async () => Number(/^vllm_responses_truncated_items_total (\d+)/m.exec(await (await fetch(`${gw.origin}/metrics`)).text())?.[1] ?? 0);
    try {
      const input = Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: words(20, `h${i}-`) }));
      const body = { model: 'fake-model', input: [...input, { role: 'user' as const, content: 'now' }], truncation: 'auto' as const, max_output_tokens: 10 };
      const metricBefore = await droppedMetric();
      const { data, response } = await client.responses.create(body).withResponse();
      const sent = sentChats().at(-1)!.body as { messages: unknown[] };
      const dropped = body.input.length - sent.messages.length;
      expect(dropped).toBeGreaterThan(0);
      expect(response.headers.get('x-vllm-responses-truncated-items')).toBe(String(dropped));
      expect(data.usage?.input_tokens).toBe(fakeTokenCount(sent));
      expect(data.usage!.input_tokens + 10).toBeLessThanOrEqual(MAX_MODEL_LEN);
      // The same request streamed: the header is there before the first event.
      const streamed = await client.responses.create({ ...body, stream: true }).withResponse();
      expect(streamed.response.headers.get('x-vllm-responses-truncated-items')).toBe(String(dropped));
      let completed: { usage?: { input_tokens: number } | null } | null = null;
      for await (const ev of streamed.data) if (ev.type === 'response.completed') completed = ev.response;
      expect(completed?.usage?.input_tokens).toBe(fakeTokenCount(sent));
      expect(await droppedMetric()).toBe(metricBefore + 2 * dropped);
      // Log lines reach stdout in chunks, within 100 ms.
      const logged = await waitFor('the truncation log line', () => {
        const found = jsonLines(gw.proc.output()).filter((l) => l.msg === 'truncation auto: dropped the oldest items to fit the context' && l.response_id === data.id);
        return found.length > 0 ? found : undefined;
      });
      expect(logged).toMatchObject([{ dropped_items: dropped, input_tokens: fakeTokenCount(sent) }]);
      // Nothing left out: no header.
      const fits = await client.responses.create({ ...body, input: 'short' }).withResponse();
      expect(fits.response.headers.get('x-vllm-responses-truncated-items')).toBeNull();
    } finally {
      upstream.setChatHandler(echoHandler);
    }
  });
});
