import { createOpenAI } from '@ai-sdk/openai';
import { generateText, stepCountIs, streamText, tool, type ModelMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chunk, sendSse, textChunks, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The Vercel AI SDK (`ai` + `@ai-sdk/openai`, Responses model) against the gateway, with its
 * defaults: `store` on, so later steps and turns send `item_reference`s to earlier output items
 * instead of the items themselves (and no `previous_response_id`).
 */
let gw: TestGateway;
let openai: ReturnType<typeof createOpenAI>;
/** The request bodies the SDK sent to the gateway. */
const sent: any[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
  openai = createOpenAI({
    baseURL: `${gw.url}/v1`,
    apiKey: 'test-key',
    fetch: async (url, init) => {
      if (typeof init?.body === 'string') sent.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });
});
afterAll(async () => {
  await gw.close();
});

function chatMessages(req: RecordedRequest): any[] {
  return req.body.messages;
}

/** A model that calls `add` until it has two tool results, thinking before each step, then answers. */
function scriptedAdder(): void {
  gw.upstream.setChatHandler(async (req, res) => {
    const results = chatMessages(req).filter((m) => m.role === 'tool');
    if (results.length < 2) {
      const n = results.length;
      await sendSse(res, [
        chunk({ role: 'assistant', reasoning_content: `Step ${n}: I need to add.` }),
        chunk({ tool_calls: [{ index: 0, id: `call_add${n}`, type: 'function', function: { name: 'add', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: `{"a":${n},"b":10}` } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(20, 5),
      ]);
      return;
    }
    await sendSse(res, [chunk({ role: 'assistant', reasoning_content: 'Both sums are in.' }), ...textChunks(['Sums: ', results.map((m) => m.content).join(',')])]);
  });
}

const add = tool({
  description: 'Add two numbers',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});

describe('Vercel AI SDK (Responses model, default store)', () => {
  it('generateText runs a multi-step tool loop; steps reference stored items', async () => {
    scriptedAdder();
    const before = gw.upstream.requests.length;
    const result = await generateText({ model: openai.responses('fake-model'), prompt: 'Add things', tools: { add }, stopWhen: stepCountIs(5) });
    expect(result.text).toBe('Sums: 10,11');
    expect(result.steps).toHaveLength(3);
    expect(sent.at(-1).input.some((i: any) => i.type === 'item_reference')).toBe(true);
    const upstream = gw.upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
    expect(upstream).toHaveLength(3);
    // The third turn carries both earlier calls (resolved from item_references) and their results.
    const third = chatMessages(upstream[2]!);
    const assistantCalls = third.filter((m) => m.role === 'assistant').flatMap((m) => m.tool_calls ?? []);
    expect(assistantCalls.map((c: any) => c.id)).toEqual(['call_add0', 'call_add1']);
    expect(third.filter((m) => m.role === 'tool').map((m) => m.content)).toEqual(['10', '11']);
  });

  it('streamText runs the same loop streaming', async () => {
    scriptedAdder();
    const result = streamText({ model: openai.responses('fake-model'), prompt: 'Add things', tools: { add }, stopWhen: stepCountIs(5) });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Sums: 10,11');
    expect(await result.steps).toHaveLength(3);
  });

  it('a multi-turn chat reusing response.messages (item references to earlier turns) keeps the history', async () => {
    gw.upstream.setChatHandler(async (req, res) => {
      const users = chatMessages(req).filter((m) => m.role === 'user');
      await sendSse(res, [chunk({ role: 'assistant', reasoning_content: 'thinking' }), ...textChunks([`Answer ${users.length}`])]);
    });
    const messages: ModelMessage[] = [{ role: 'user', content: 'First question' }];
    const first = await generateText({ model: openai.responses('fake-model'), messages });
    messages.push(...first.response.messages, { role: 'user', content: 'Second question' });
    const before = gw.upstream.requests.length;
    const second = await generateText({ model: openai.responses('fake-model'), messages });
    expect(second.text).toBe('Answer 2');
    const upstreamReq = gw.upstream.requests.slice(before).find((r) => r.path === '/v1/chat/completions')!;
    const history = chatMessages(upstreamReq);
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(history[1]).toMatchObject({ content: 'Answer 1', reasoning: 'thinking' });
    // What the SDK sent the gateway: references to the first turn's output, not copies.
    const input = sent.at(-1).input as any[];
    expect(sent.at(-1).previous_response_id).toBeUndefined();
    expect(input.filter((i) => i.type === 'item_reference').map((i) => i.id.slice(0, 3)).sort()).toEqual(['msg', 'rs_']);
  });

  it('reasoningSummary shows the model reasoning (generate and stream)', async () => {
    gw.upstream.setChatHandler(async (_req, res) => {
      await sendSse(res, [chunk({ role: 'assistant', reasoning_content: 'Let me ' }), chunk({ reasoning_content: 'think.' }), ...textChunks(['Done.'])]);
    });
    const providerOptions = { openai: { reasoningSummary: 'auto', forceReasoning: true } };
    const generated = await generateText({ model: openai.responses('fake-model'), prompt: 'Think', providerOptions });
    expect(generated.reasoningText).toBe('Let me think.');
    expect(generated.text).toBe('Done.');
    const streamed = streamText({ model: openai.responses('fake-model'), prompt: 'Think', providerOptions });
    let reasoning = '';
    for await (const part of streamed.fullStream) if (part.type === 'reasoning-delta') reasoning += part.text;
    expect(reasoning).toBe('Let me think.');
  });

  it('item references resolve to any stored item, and unknown ones are a clear 400', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['stored answer'])));
    const a = await gw.client.responses.create({ model: 'fake-model', input: 'one' });
    const msgId = a.output[0]!.id!;
    // No previous_response_id: the reference alone brings the item in.
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['ok'])));
    await gw.client.responses.create({ model: 'fake-model', input: [{ type: 'item_reference', id: msgId }, { role: 'user', content: 'and?' }] as any });
    const last = gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect(chatMessages(last).map((m) => [m.role, m.content])).toEqual([
      ['assistant', 'stored answer'],
      ['user', 'and?'],
    ]);
    const missing = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: [{ type: 'item_reference', id: 'msg_doesnotexist' }] }),
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error).toMatchObject({ code: 'item_not_found', param: 'input[0].id' });
    // A deleted response's items are gone too.
    const b = await gw.client.responses.create({ model: 'fake-model', input: 'two' });
    await gw.client.responses.delete(b.id);
    const gone = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: [{ type: 'item_reference', id: b.output[0]!.id }] }),
    });
    expect(gone.status).toBe(400);
  });

  it('a reasoning item replayed by id only (encrypted_content null) is the stored one', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, [chunk({ role: 'assistant', reasoning_content: 'deep thought' }), ...textChunks(['42'])]));
    const a = await gw.client.responses.create({ model: 'fake-model', input: 'q' });
    const rs = a.output.find((o) => o.type === 'reasoning')!;
    const msg = a.output.find((o) => o.type === 'message')!;
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['ok'])));
    await gw.client.responses.create({
      model: 'fake-model',
      input: [{ role: 'user', content: 'q' }, { type: 'reasoning', id: rs.id, summary: [], encrypted_content: null }, { type: 'item_reference', id: msg.id }, { role: 'user', content: 'next' }] as any,
    });
    const last = gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect(chatMessages(last)[1]).toMatchObject({ role: 'assistant', content: '42', reasoning: 'deep thought' });
    // Unknown id: nothing to give back, and no error (the client had no text to send either).
    const unknown = await gw.client.responses.create({ model: 'fake-model', input: [{ type: 'reasoning', id: 'rs_unknown', summary: [], encrypted_content: null }, { role: 'user', content: 'x' }] as any });
    expect(unknown.status).toBe('completed');
  });
});

describe('encrypted reasoning (include: ["reasoning.encrypted_content"], store: false)', () => {
  it('returns a sealed copy of the reasoning that the gateway opens when it comes back', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, [chunk({ role: 'assistant', reasoning_content: 'secret plan' }), ...textChunks(['step one'])]));
    const first = await gw.client.responses.create({ model: 'fake-model', input: 'go', store: false, include: ['reasoning.encrypted_content'] });
    const rs = first.output.find((o) => o.type === 'reasoning') as any;
    expect(typeof rs.encrypted_content).toBe('string');
    expect(rs.encrypted_content).not.toContain('secret');
    expect(Buffer.from(rs.encrypted_content, 'base64url').toString('latin1')).not.toContain('secret plan');
    // Stateless continuation: the client sends back only the sealed copy.
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['step two'])));
    const msg = first.output.find((o) => o.type === 'message')!;
    await gw.client.responses.create({
      model: 'fake-model',
      store: false,
      input: [{ role: 'user', content: 'go' }, { type: 'reasoning', id: rs.id, summary: [], encrypted_content: rs.encrypted_content }, msg, { role: 'user', content: 'next' }] as any,
    });
    const last = gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect(chatMessages(last)[1]).toMatchObject({ role: 'assistant', content: 'step one', reasoning: 'secret plan' });
    // Altered: a 400 naming the field, never a 500 and never the model.
    const tampered = rs.encrypted_content.slice(0, -4) + (rs.encrypted_content.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', store: false, input: [{ role: 'user', content: 'go' }, { type: 'reasoning', id: rs.id, summary: [], encrypted_content: tampered }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error).toMatchObject({ code: 'invalid_encrypted_content', param: 'input[1].encrypted_content' });
  });

  it('the AI SDK with store: false keeps reasoning across steps through encrypted_content', async () => {
    scriptedAdder();
    const before = gw.upstream.requests.length;
    const result = await generateText({
      model: openai.responses('fake-model'),
      prompt: 'Add things',
      tools: { add },
      stopWhen: stepCountIs(5),
      providerOptions: { openai: { store: false, include: ['reasoning.encrypted_content'], forceReasoning: true } },
    });
    expect(result.text).toBe('Sums: 10,11');
    const third = chatMessages(gw.upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions')[2]!);
    expect(third.filter((m) => m.role === 'assistant').map((m) => m.reasoning)).toEqual(['Step 0: I need to add.', 'Step 1: I need to add.']);
  });
});
