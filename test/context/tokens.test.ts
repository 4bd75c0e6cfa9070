/**
 * Token counting and truncation through the real CLI with the openai SDK, against the fake
 * upstream's `/tokenize` and a small `max_model_len` (200 tokens).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTokenCount, startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startServe, type ServeProcess } from '../operations/support.js';

const MAX_MODEL_LEN = 200;
let upstream: FakeUpstream;
let dir: string;
let gw: ServeProcess;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream({ maxModelLen: MAX_MODEL_LEN });
  dir = mkdtempSync(join(tmpdir(), 'vr-tokens-'));
  gw = await startServe(upstream.url, [], { VR_DB_PATH: `sqlite:///${join(dir, 't.db')}` });
  client = new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey: 'k', maxRetries: 0 });
}, 60_000);

afterAll(async () => {
  gw?.proc.child.kill('SIGKILL');
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

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
});
