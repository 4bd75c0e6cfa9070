/**
 * The Conversations API through the real CLI (two workers on one SQLite file) with the official
 * `openai` SDK and the Agents SDK's OpenAIConversationsSession: CRUD, paging, `conversation` on
 * create (history in, turn appended, failures not appended), concurrency across workers, and
 * ownership by API key.
 */
import { OpenAIConversationsSession } from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoHandler, sendJson, type FakeUpstream } from '../support/fake-upstream.js';
import type { ServeProcess } from '../operations/support.js';
import { startCliSetup, type CliSetup } from './cli-setup.js';

const KEYS = ['sk-conv-alice-123456', 'sk-conv-bob-654321'];
let setup: CliSetup;
let upstream: FakeUpstream;
let gw: ServeProcess;
let alice: OpenAI;
let bob: OpenAI;

beforeAll(async () => {
  setup = await startCliSetup({ args: ['--gateway-workers', '2'], env: { VR_API_KEYS: KEYS.join(',') } });
  ({ upstream, gw } = setup);
  alice = setup.client(KEYS[0]);
  bob = setup.client(KEYS[1]);
}, 60_000);

afterAll(() => setup?.stop());

function texts(items: { type: string; content?: unknown }[]): string[] {
  return items.map((i) => ((i.content as { text?: string }[] | undefined) ?? []).map((p) => p.text ?? '').join(''));
}

describe('Conversations API', () => {
  it('creates, retrieves, updates, deletes; another key sees 404', async () => {
    const conv = await alice.conversations.create({ metadata: { topic: 'demo' }, items: [{ type: 'message', role: 'user', content: 'hello' }] });
    expect(conv).toMatchObject({ object: 'conversation', metadata: { topic: 'demo' } });
    expect(conv.id).toMatch(/^conv_/);
    expect(await alice.conversations.retrieve(conv.id)).toEqual(conv);
    await expect(bob.conversations.retrieve(conv.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.conversations.items.list(conv.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.conversations.delete(conv.id)).rejects.toMatchObject({ status: 404 });
    const updated = await alice.conversations.update(conv.id, { metadata: { topic: 'changed' } });
    expect(updated.metadata).toEqual({ topic: 'changed' });
    const empty = await alice.conversations.create();
    expect(empty.metadata).toEqual({});
    expect(await alice.conversations.delete(conv.id)).toEqual({ id: conv.id, object: 'conversation.deleted', deleted: true });
    await expect(alice.conversations.retrieve(conv.id)).rejects.toMatchObject({ status: 404 });
  });

  it('adds, pages, retrieves and deletes items', async () => {
    const conv = await alice.conversations.create();
    const added = await alice.conversations.items.create(conv.id, {
      items: Array.from({ length: 5 }, (_, i) => ({ type: 'message' as const, role: 'user' as const, content: `m${i}` })),
    });
    expect(added.data).toHaveLength(5);
    const ids = added.data.map((i) => i.id);
    // Auto-paging through the SDK with small pages, ascending.
    const seen: string[] = [];
    for await (const item of alice.conversations.items.list(conv.id, { limit: 2, order: 'asc' })) seen.push(item.id!);
    expect(seen).toEqual(ids);
    const page = await alice.conversations.items.list(conv.id, { limit: 2 });
    expect(page.data.map((i) => i.id)).toEqual([ids[4], ids[3]]);
    expect(page.has_more).toBe(true);
    const item = await alice.conversations.items.retrieve(ids[2]!, { conversation_id: conv.id });
    expect(texts([item as never])).toEqual(['m2']);
    const after = await alice.conversations.items.delete(ids[2]!, { conversation_id: conv.id });
    expect(after).toMatchObject({ id: conv.id, object: 'conversation' });
    await expect(alice.conversations.items.retrieve(ids[2]!, { conversation_id: conv.id })).rejects.toMatchObject({ status: 404 });
    await expect(alice.conversations.items.list(conv.id, { order: 'sideways' as never })).rejects.toMatchObject({ status: 400 });
    await expect(alice.conversations.items.create(conv.id, { items: [{ type: 'bogus' } as never] })).rejects.toMatchObject({ status: 400 });
  });

  it('pages newest first by default (after / has_more / first_id / last_id), takes include, and enforces metadata limits', async () => {
    const conv = await alice.conversations.create({ items: Array.from({ length: 5 }, (_, i) => ({ type: 'message' as const, role: 'user' as const, content: `p${i}` })) });
    const all = await alice.conversations.items.list(conv.id, { order: 'asc' });
    const ids = all.data.map((i) => i.id!);
    // The wire shape (the SDK's page object keeps only data / has_more).
    const raw = async (query: string) => (await fetch(`${gw.origin}/v1/conversations/${conv.id}/items?${query}`, { headers: { authorization: `Bearer ${KEYS[0]}` } })).json();
    expect(await raw('order=asc')).toMatchObject({ object: 'list', first_id: ids[0], last_id: ids[4], has_more: false });
    expect(await raw('limit=2')).toMatchObject({ object: 'list', first_id: ids[4], last_id: ids[3], has_more: true });
    const first = await alice.conversations.items.list(conv.id, { limit: 2 });
    expect(first.data.map((i) => i.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const second = await alice.conversations.items.list(conv.id, { limit: 2, after: ids[3] });
    expect(second.data.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    const last = await alice.conversations.items.list(conv.id, { limit: 2, after: ids[1] });
    expect(last.data.map((i) => i.id)).toEqual([ids[0]]);
    expect(last.has_more).toBe(false);
    // The SDK's auto-paging in the default order walks every item once.
    const walked: string[] = [];
    for await (const item of alice.conversations.items.list(conv.id, { limit: 2 })) walked.push(item.id!);
    expect(walked).toEqual([...ids].reverse());
    await expect(alice.conversations.items.list(conv.id, { limit: 0 })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
    await expect(alice.conversations.items.list(conv.id, { limit: 101 })).rejects.toMatchObject({ status: 400, error: { param: 'limit' } });
    expect((await alice.conversations.items.list(conv.id, { include: ['message.output_text.logprobs'] })).data).toHaveLength(5);
    await expect(alice.conversations.items.list(conv.id, { include: ['bogus' as never] })).rejects.toMatchObject({ status: 400, error: { param: 'include' } });
    // Metadata: at most 16 pairs, keys up to 64 and values up to 512 characters.
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, 'v']));
    expect((await alice.conversations.update(conv.id, { metadata: sixteen })).metadata).toEqual(sixteen);
    await expect(alice.conversations.update(conv.id, { metadata: { ...sixteen, k16: 'v' } })).rejects.toMatchObject({ status: 400 });
    await expect(alice.conversations.create({ metadata: { ['k'.repeat(65)]: 'v' } })).rejects.toMatchObject({ status: 400 });
    await expect(alice.conversations.create({ metadata: { k: 'v'.repeat(513) } })).rejects.toMatchObject({ status: 400 });
    expect((await alice.conversations.create({ metadata: { ['k'.repeat(64)]: 'v'.repeat(512) } })).object).toBe('conversation');
  });

  it('`conversation` on create: history in, the turn appended, response carries it', async () => {
    const conv = await alice.conversations.create({ items: [{ type: 'message', role: 'developer', content: 'be terse' }] });
    const first = await alice.responses.create({ model: 'fake-model', input: 'first question', conversation: conv.id });
    expect(first.conversation).toEqual({ id: conv.id });
    const second = await alice.responses.create({ model: 'fake-model', input: 'second question', conversation: { id: conv.id } });
    expect(second.output_text).toBe('You said: second question');
    // The upstream saw the whole conversation before the new input (developer → system for Chat Completions).
    const sent = upstream.requests.at(-1)!.body as { messages: { role: string; content: unknown }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    const items = await alice.conversations.items.list(conv.id, { order: 'asc' });
    expect(texts(items.data as never)).toEqual(['be terse', 'first question', 'You said: first question', 'second question', 'You said: second question']);
    // Mutually exclusive with previous_response_id; unknown and foreign conversations are 404.
    await expect(alice.responses.create({ model: 'fake-model', input: 'x', conversation: conv.id, previous_response_id: first.id })).rejects.toMatchObject({
      status: 400,
      error: { param: 'conversation' },
    });
    await expect(bob.responses.create({ model: 'fake-model', input: 'x', conversation: conv.id })).rejects.toMatchObject({ status: 404 });
    await expect(alice.responses.create({ model: 'fake-model', input: 'x', conversation: 'conv_nope' })).rejects.toMatchObject({ status: 404 });
  });

  it('store: false reads the conversation but appends nothing', async () => {
    const conv = await alice.conversations.create({ items: [{ type: 'message', role: 'user', content: 'kept before' }] });
    const r = await alice.responses.create({ model: 'fake-model', input: 'not kept', conversation: conv.id, store: false });
    expect(r.conversation).toEqual({ id: conv.id });
    const sent = upstream.requests.at(-1)!.body as { messages: { content: unknown }[] };
    expect(sent.messages.map((m) => m.content)).toEqual(['kept before', 'not kept']);
    expect(texts((await alice.conversations.items.list(conv.id)).data as never)).toEqual(['kept before']);
  });

  it('a failed response is not appended', async () => {
    const conv = await alice.conversations.create();
    upstream.setChatHandler((_req, res) => sendJson(res, 500, { error: { message: 'boom', type: 'server_error', param: null, code: null } }));
    try {
      await expect(alice.responses.create({ model: 'fake-model', input: 'doomed', conversation: conv.id })).rejects.toBeDefined();
    } finally {
      upstream.setChatHandler(echoHandler);
    }
    expect((await alice.conversations.items.list(conv.id)).data).toEqual([]);
  });

  it('concurrent turns on one conversation from both workers: every turn appended whole', async () => {
    const conv = await alice.conversations.create();
    const n = 16;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => alice.responses.create({ model: 'fake-model', input: `q${i}`, conversation: conv.id })));
    expect(answers.every((a) => a.status === 'completed')).toBe(true);
    const all: string[] = [];
    for await (const item of alice.conversations.items.list(conv.id, { order: 'asc', limit: 100 })) all.push(texts([item as never])[0]!);
    expect(all).toHaveLength(2 * n);
    for (let i = 0; i < all.length; i += 2) expect(all[i + 1]).toBe(`You said: ${all[i]}`);
    expect(new Set(all).size).toBe(2 * n);
  });

  it("works as the Agents SDK's OpenAIConversationsSession", async () => {
    const session = new OpenAIConversationsSession({ client: alice });
    const id = await session.getSessionId();
    expect(id).toMatch(/^conv_/);
    await session.addItems([
      { type: 'message', role: 'user', content: 'remember the number 7' },
      { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'noted' }] },
    ]);
    const items = await session.getItems();
    expect(items).toHaveLength(2);
    expect(await session.getItems(1)).toHaveLength(1);
    const popped = await session.popItem();
    expect(popped).toMatchObject({ role: 'assistant' });
    expect(await session.getItems()).toHaveLength(1);
    await session.clearSession();
    await expect(alice.conversations.retrieve(id)).rejects.toMatchObject({ status: 404 });
  });
});
