/**
 * Compaction through the real CLI (two workers sharing the store-generated sealing key) with the
 * openai SDK: the compact endpoint, a new chain from its output, automatic compaction at a
 * threshold (JSON and stream), and tampered / foreign blobs.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSealingKey, SealedBlobs } from '../../src/crypto/sealed-blob.js';
import { COMPACTION_PROMPT, SUMMARY_PREFIX } from '../../src/engine/compaction/prompt.js';
import { fakeTokenCount, type FakeUpstream } from '../support/fake-upstream.js';
import { responseSpecErrors, specErrors } from '../support/schemas.js';
import { startCliSetup, type CliSetup } from './cli-setup.js';

let setup: CliSetup;
let upstream: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  setup = await startCliSetup({ upstream: { maxModelLen: 4096 }, args: ['--gateway-workers', '2'] });
  ({ upstream } = setup);
  client = setup.client();
}, 60_000);

afterAll(() => setup?.stop());

type Msg = { role: string; content: unknown };
type ChatBody = { messages: Msg[]; cache_salt?: string; tools?: unknown[] };
const chats = () => upstream.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as ChatBody);
const lastChat = () => chats().at(-1)!;

async function chain(turns: string[]): Promise<string> {
  let prev: string | undefined;
  for (const input of turns) prev = (await client.responses.create({ model: 'fake-model', input, previous_response_id: prev })).id;
  return prev!;
}

describe('POST /v1/responses/compact', () => {
  it('returns response.compaction with a sealed compaction item; a new chain continues from it', async () => {
    const prev = await chain(['alpha secret one', 'bravo two', 'charlie three']);
    const compacted = await client.responses.compact({ model: 'fake-model', previous_response_id: prev });
    expect(compacted.object).toBe('response.compaction');
    expect(specErrors('CompactResource', compacted)).toEqual([]);
    // OpenAI's order: the items kept verbatim, then the compaction item.
    const output = compacted.output as { type: string; encrypted_content?: string; role?: string }[];
    const item = output.at(-1);
    const kept = output.slice(0, -1);
    expect(item).toMatchObject({ type: 'compaction' });
    expect(item!.encrypted_content).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(item!.encrypted_content).not.toContain('alpha');
    // The two most recent turns are kept verbatim beside the compaction item.
    expect(kept.map((k) => k.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(compacted.usage.total_tokens).toBeGreaterThan(0);
    // The summary call: the older history, then the fixed compaction prompt as the last user message.
    const summaryCall = lastChat();
    expect(summaryCall.messages[0]).toMatchObject({ role: 'user', content: 'alpha secret one' });
    expect(summaryCall.messages.at(-1)).toMatchObject({ role: 'user', content: COMPACTION_PROMPT });
    expect(summaryCall.tools).toBeUndefined();
    expect(JSON.stringify(summaryCall.messages)).toContain('alpha secret one');
    expect(JSON.stringify(summaryCall.messages)).not.toContain('charlie three');

    // A new chain from the output (no previous_response_id), then a continuation of it.
    // The compaction item alone stands for everything: a client may drop what precedes it.
    await client.responses.create({ model: 'fake-model', input: [item as never, { role: 'user', content: 'delta four' }] });
    const fromItemAlone = lastChat().messages;
    const next = await client.responses.create({ model: 'fake-model', input: [...(compacted.output as never[]), { role: 'user', content: 'delta four' }] });
    expect(next.output_text).toBe('You said: delta four');
    expect(lastChat().messages).toEqual(fromItemAlone);
    const sent = JSON.stringify(lastChat().messages);
    expect(sent).toContain(SUMMARY_PREFIX.trim().slice(0, 30));
    expect(sent).not.toContain('alpha secret one');
    expect(sent).toContain('bravo two');
    await client.responses.create({ model: 'fake-model', input: 'echo five', previous_response_id: next.id });
    const continued = lastChat().messages;
    expect(JSON.stringify(continued)).toContain(SUMMARY_PREFIX.trim().slice(0, 30));
    expect(JSON.stringify(continued)).not.toContain('alpha secret one');
    expect(continued.at(-1)).toMatchObject({ role: 'user', content: 'echo five' });
  });

  it("sends the caller's instructions and prompt_cache_key upstream as the agent's own turns do", async () => {
    const input = [
      { role: 'developer' as const, content: 'house rules' },
      { role: 'user' as const, content: 'old question' },
      { role: 'assistant' as const, content: 'old answer' },
      { role: 'user' as const, content: 'q2' },
      { role: 'user' as const, content: 'q3' },
    ];
    const instructions = 'You are the billing agent.';
    // An ordinary turn of that agent, then its compaction: same system prompt, same history prefix, same cache salt.
    await client.responses.create({ model: 'fake-model', input: input.slice(0, 3), instructions, prompt_cache_key: 'agent-7' });
    const ordinary = lastChat();
    await client.responses.compact({ model: 'fake-model', input, instructions, prompt_cache_key: 'agent-7', prompt_cache_retention: '24h', service_tier: 'auto' });
    const summary = lastChat();
    expect(summary.cache_salt).toBe('agent-7');
    expect(summary.messages[0]).toEqual({ role: 'system', content: instructions });
    expect(summary.messages.slice(0, ordinary.messages.length)).toEqual(ordinary.messages);
    expect(summary.messages.at(-1)).toEqual({ role: 'user', content: COMPACTION_PROMPT });
    // Without a key nothing is salted; an unknown field is a 400 naming it.
    await client.responses.compact({ model: 'fake-model', input });
    expect(lastChat().cache_salt).toBeUndefined();
    expect(lastChat().messages[0]).toEqual({ role: 'system', content: 'house rules' });
    await expect(client.responses.compact({ model: 'fake-model', input, bogus: 1 } as never)).rejects.toMatchObject({ status: 400, error: { param: 'bogus' } });
  });

  it('compacts a history longer than the context: the summary call leaves out the oldest items instead of failing', async () => {
    const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');
    // Eight ~600-token turns (max_model_len 4096): far more than the model can read at once.
    const input = Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? ('assistant' as const) : ('user' as const), content: words(600, `w${i}-`) }));
    const compacted = await client.responses.compact({ model: 'fake-model', input: [...input, { role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }, { role: 'user', content: 'now' }] });
    expect(compacted.output.at(-1)).toMatchObject({ type: 'compaction' });
    const summary = lastChat() as ChatBody & { max_tokens?: number };
    // The summary may take a fifth of the context; the history got the rest, newest items kept.
    expect(summary.max_tokens).toBe(Math.floor(4096 * 0.2));
    expect(fakeTokenCount(summary) + summary.max_tokens!).toBeLessThanOrEqual(4096);
    const sent = JSON.stringify(summary.messages);
    expect(sent).not.toContain('w0-0 ');
    expect(sent).toContain('w7-599');
    expect(summary.messages.at(-1)).toEqual({ role: 'user', content: COMPACTION_PROMPT });
  });

  it('compacts input (store: false style) and requires model', async () => {
    const compacted = await client.responses.compact({
      model: 'fake-model',
      input: [
        { role: 'user', content: 'old question' },
        { role: 'assistant', content: 'old answer' },
        { role: 'user', content: 'middle question' },
        { role: 'assistant', content: 'middle answer' },
        { role: 'user', content: 'recent question' },
      ],
    });
    // The two most recent user turns stay (VR_COMPACTION_KEEP_TURNS=2); the first is summarised.
    expect(compacted.output.map((i) => i.type)).toEqual(['message', 'message', 'message', 'compaction']);
    // The SDK's request-level image options are accepted (nothing here compresses image context).
    const withImage = await client.responses.compact({ model: 'fake-model', input: 'x', image: { context_compression: 'auto' } });
    expect(withImage.output.at(-1)?.type).toBe('compaction');
    expect(JSON.stringify(lastChat().messages)).toContain('old question');
    expect(JSON.stringify(compacted.output)).not.toContain('old question');
    await expect(client.responses.compact({ input: 'x' } as never)).rejects.toMatchObject({ status: 400, error: { param: 'model' } });
    await expect(client.responses.compact({ model: 'fake-model' })).rejects.toMatchObject({ status: 400 });
  });

  it('rejects a tampered or foreign compaction blob with a 400 naming the field', async () => {
    const compacted = await client.responses.compact({ model: 'fake-model', input: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }] });
    const item = compacted.output.at(-1) as { type: 'compaction'; id: string; encrypted_content: string };
    const blob = item.encrypted_content;
    const tampered = `${blob.slice(0, 30)}${blob[30] === 'A' ? 'B' : 'A'}${blob.slice(31)}`;
    for (const bad of [tampered, new SealedBlobs(generateSealingKey()).seal('compaction', { v: 1, pinned: [], summary: 'forged', after: [] }), 'not-a-blob']) {
      await expect(
        client.responses.create({ model: 'fake-model', input: [{ role: 'user', content: 'hi' }, { ...item, encrypted_content: bad }] }),
      ).rejects.toMatchObject({ status: 400, error: { param: 'input[1].encrypted_content', code: 'invalid_encrypted_content' } });
    }
  });
});

describe('automatic compaction (context_management)', () => {
  it('compacts before the upstream call once the input reaches compact_threshold, and continues', async () => {
    const prev = await chain(['one one one one one one', 'two two two two two two', 'three three three three']);
    const before = chats().length;
    const r = await client.responses.create({
      model: 'fake-model',
      input: 'four',
      instructions: 'agent rules',
      prompt_cache_key: 'auto-key',
      previous_response_id: prev,
      context_management: [{ type: 'compaction', compact_threshold: 20 }],
    } as never);
    const output = (r as unknown as { output: { type: string }[] }).output;
    expect(output.map((i) => i.type)).toEqual(['compaction', 'message']);
    expect(responseSpecErrors(r)).toEqual([]);
    // The summary call was the agent's turn (its instructions and cache salt) ending with the compaction prompt.
    const [summary, answer] = chats().slice(before);
    expect(summary!.messages[0]).toEqual({ role: 'system', content: 'agent rules' });
    expect(summary!.messages.at(-1)).toEqual({ role: 'user', content: COMPACTION_PROMPT });
    expect([summary!.cache_salt, answer!.cache_salt]).toEqual(['auto-key', 'auto-key']);
    const answered = JSON.stringify(lastChat().messages);
    expect(answered).toContain(SUMMARY_PREFIX.trim().slice(0, 30));
    expect(answered).not.toContain('one one one');
    // Below the threshold nothing happens.
    const small = await client.responses.create({ model: 'fake-model', input: 'tiny', context_management: [{ type: 'compaction', compact_threshold: 1000 }] } as never);
    expect((small as unknown as { output: { type: string }[] }).output.map((i) => i.type)).toEqual(['message']);
    // The chain continues from the compaction: the old turns stay out of the model's view.
    await client.responses.create({ model: 'fake-model', input: 'five', previous_response_id: (r as { id: string }).id });
    const continued = JSON.stringify(lastChat().messages);
    expect(continued).not.toContain('one one one');
    expect(continued).toContain('three three');
  });

  it('without compact_threshold compacts at 80 % of what the context leaves for the input', async () => {
    const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(' ');
    // max_model_len 4096, max_output_tokens 3000: the threshold is 0.8 × 1096 = 876 tokens.
    const recent = [
      { role: 'user' as const, content: 'b' },
      { role: 'assistant' as const, content: 'c' },
      { role: 'user' as const, content: 'now' },
    ];
    const big = { model: 'fake-model', max_output_tokens: 3000, context_management: [{ type: 'compaction' }] };
    const over = await client.responses.create({ ...big, input: [{ role: 'user', content: words(440, 'x') }, { role: 'assistant', content: words(440, 'y') }, ...recent] } as never);
    expect((over as unknown as { output: { type: string }[] }).output.map((i) => i.type)).toEqual(['compaction', 'message']);
    expect(JSON.stringify(lastChat().messages)).not.toContain('x439');
    const under = await client.responses.create({ ...big, input: [{ role: 'user', content: words(400, 'x') }, { role: 'assistant', content: words(400, 'y') }, ...recent] } as never);
    expect((under as unknown as { output: { type: string }[] }).output.map((i) => i.type)).toEqual(['message']);
    expect(JSON.stringify(lastChat().messages)).toContain('x399');
  });

  it('streams the compaction item as output_item.added / done before the answer', async () => {
    const prev = await chain(['uno uno uno uno uno', 'dos dos dos dos dos']);
    const stream = await client.responses.create({
      model: 'fake-model',
      input: 'tres',
      previous_response_id: prev,
      stream: true,
      context_management: [{ type: 'compaction', compact_threshold: 10 }],
    } as never);
    const events: { type: string; item?: { type: string } }[] = [];
    for await (const ev of stream as unknown as AsyncIterable<{ type: string; item?: { type: string } }>) events.push(ev);
    const compactionEvents = events.filter((e) => e.item?.type === 'compaction').map((e) => e.type);
    expect(compactionEvents).toEqual(['response.output_item.added', 'response.output_item.done']);
    const firstText = events.findIndex((e) => e.type === 'response.output_text.delta');
    expect(events.findIndex((e) => e.item?.type === 'compaction')).toBeLessThan(firstText);
    expect(events.at(-1)?.type).toBe('response.completed');
  });
});
