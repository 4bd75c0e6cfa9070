/**
 * The behaviour every ResponseStore must have, run against each backend (SQLite, PostgreSQL,
 * Redis over either). `open` returns a fresh, initialised store on an isolated backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateConversationItemError, ParentNotFoundError } from '../../../src/store/errors.js';
import type { ResponseStore } from '../../../src/store/types.js';
import { randomBytes } from 'node:crypto';
import { assistantMessage, expectedItems, rid, TEST_OWNER, turn, userMessage } from './records.js';

export interface ContractHarness {
  store: ResponseStore;
  cleanup(): Promise<void>;
}

const BAD_IDS = [
  "' OR 1=1 --",
  "resp_x'); DROP TABLE responses; --",
  '"; DELETE FROM response_items; --',
  '%',
  '_',
  '*',
  `resp_${'a'.repeat(100_000)}`,
  'resp_🦀_ünïcødé_مرحبا',
  'resp_\uD800',
  'resp_\u0000null',
  '',
  ' ',
  'msg_0123456789abcdef',
  '../../etc/passwd',
];

export function describeStoreContract(name: string, open: () => Promise<ContractHarness>): void {
  describe(`ResponseStore contract: ${name}`, () => {
    let h: ContractHarness;
    let store: ResponseStore;
    beforeAll(async () => {
      h = await open();
      store = h.store;
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it('round-trips a response object exactly', async () => {
      const r = turn('one', { instructions: 'be brief', metadata: { k: 'v' } });
      await store.put(r);
      expect(await store.get(r.id, TEST_OWNER)).toEqual(r.response);
      // Key order survives too (JSON kept as text, not re-encoded).
      expect(JSON.stringify(await store.get(r.id, TEST_OWNER))).toBe(JSON.stringify(r.response));
    });

    it('rebuilds multi-turn history root → anchor, and branches independently', async () => {
      const r1 = turn('1', { input: [userMessage('a'), userMessage('b')] });
      const r2 = turn('2', { parentId: r1.id });
      const r3 = turn('3', { parentId: r2.id, output: [] });
      const r3b = turn('3b', { parentId: r2.id, input: [userMessage('branch')] });
      const r4 = turn('4', { parentId: r3.id });
      for (const r of [r1, r2, r3, r3b, r4]) await store.put(r);

      expect(await store.getHistory(r1.id, TEST_OWNER)).toEqual({ response: r1.response, items: expectedItems([r1]) });
      expect(await store.getHistory(r3.id, TEST_OWNER)).toEqual({ response: r3.response, items: expectedItems([r1, r2, r3]) });
      expect(await store.getHistory(r3b.id, TEST_OWNER)).toEqual({ response: r3b.response, items: expectedItems([r1, r2, r3b]) });
      expect(await store.getHistory(r4.id, TEST_OWNER)).toEqual({ response: r4.response, items: expectedItems([r1, r2, r3, r4]) });
    });

    it('keeps instructions in the response object only, never as an item', async () => {
      const r1 = turn('i1', { instructions: 'SECRET SYSTEM PROMPT' });
      const r2 = turn('i2', { parentId: r1.id, instructions: 'other' });
      await store.put(r1);
      await store.put(r2);
      const history = await store.getHistory(r2.id, TEST_OWNER);
      expect(JSON.stringify(history?.items)).not.toContain('SECRET SYSTEM PROMPT');
      expect((await store.get(r1.id, TEST_OWNER))?.instructions).toBe('SECRET SYSTEM PROMPT');
    });

    it('answers another principal exactly as for an absent response, and keeps the owner’s intact', async () => {
      const other = 'another-principal';
      const r1 = turn('own-a1', { input: [userMessage('mine', 'msg_owned_input')], output: [assistantMessage('out', 'msg_owned_output')] });
      const r2 = turn('own-a2', { parentId: r1.id });
      await store.put(r1);
      await store.put(r2);
      // Warm any cache as the owner first: the cache must not serve the other principal either.
      expect(await store.get(r2.id, TEST_OWNER)).toEqual(r2.response);
      expect(await store.getHistory(r2.id, TEST_OWNER)).not.toBeNull();
      for (const id of [r1.id, r2.id]) {
        expect(await store.get(id, other)).toBeNull();
        expect(await store.getHistory(id, other)).toBeNull();
        expect(await store.listInputItems(id, other, { limit: 20, order: 'asc' })).toBeNull();
        expect(await store.delete(id, other)).toBe(false);
      }
      expect((await store.findItems(['msg_owned_output', 'msg_owned_input'], other)).size).toBe(0);
      // A continuation cannot hang off another principal's response either.
      await expect(store.put(turn('own-b', { parentId: r2.id, owner: other }))).rejects.toBeInstanceOf(ParentNotFoundError);
      // Nothing of the owner's was touched by the attempts.
      expect(await store.get(r2.id, TEST_OWNER)).toEqual(r2.response);
      expect((await store.getHistory(r2.id, TEST_OWNER))?.items).toEqual(expectedItems([r1, r2]));
      const found = await store.findItems(['msg_owned_output', 'msg_owned_input'], TEST_OWNER);
      expect(found.get('msg_owned_output')).toEqual(r1.outputItems[0]);
      expect(found.get('msg_owned_input')).toEqual(r1.inputItems[0]);
      expect(await store.delete(r2.id, TEST_OWNER)).toBe(true);
    });

    it('finds stored items by id across responses (inputs and outputs), never from deleted ones', async () => {
      const a = turn('fa');
      const b = turn('fb', { parentId: a.id });
      const other = turn('fc');
      for (const r of [a, b, other]) await store.put(r);
      const ids = [a.inputItems[0]!.id, b.outputItems[0]!.id, other.outputItems[0]!.id, 'msg_unknown', ...BAD_IDS];
      const found = await store.findItems(ids, TEST_OWNER);
      expect([...found.keys()].sort()).toEqual(ids.slice(0, 3).sort());
      expect(found.get(b.outputItems[0]!.id)).toEqual(b.outputItems[0]);
      expect((await store.findItems([], TEST_OWNER)).size).toBe(0);
      await store.delete(other.id, TEST_OWNER);
      expect((await store.findItems([other.outputItems[0]!.id], TEST_OWNER)).size).toBe(0);
    });

    it('returns null/false for unknown ids', async () => {
      expect(await store.get(rid(), TEST_OWNER)).toBeNull();
      expect(await store.getHistory(rid(), TEST_OWNER)).toBeNull();
      expect(await store.listInputItems(rid(), TEST_OWNER, { limit: 20, order: 'desc' })).toBeNull();
      expect(await store.delete(rid(), TEST_OWNER)).toBe(false);
    });

    it('deletes: the response is gone, descendants keep their full history', async () => {
      const r1 = turn('d1');
      const r2 = turn('d2', { parentId: r1.id });
      const r3 = turn('d3', { parentId: r2.id });
      const r3b = turn('d3b', { parentId: r2.id });
      for (const r of [r1, r2, r3, r3b]) await store.put(r);
      // Warm any cache first: deletion must invalidate it.
      await store.get(r2.id, TEST_OWNER);
      await store.getHistory(r2.id, TEST_OWNER);
      await store.getHistory(r3.id, TEST_OWNER);

      expect(await store.delete(r2.id, TEST_OWNER)).toBe(true);
      expect(await store.get(r2.id, TEST_OWNER)).toBeNull();
      expect(await store.getHistory(r2.id, TEST_OWNER)).toBeNull();
      expect(await store.listInputItems(r2.id, TEST_OWNER, { limit: 20, order: 'asc' })).toBeNull();
      expect(await store.delete(r2.id, TEST_OWNER)).toBe(false);

      expect(await store.getHistory(r3.id, TEST_OWNER)).toEqual({ response: r3.response, items: expectedItems([r1, r2, r3]) });
      expect(await store.getHistory(r3b.id, TEST_OWNER)).toEqual({ response: r3b.response, items: expectedItems([r1, r2, r3b]) });
      expect(await store.get(r1.id, TEST_OWNER)).toEqual(r1.response);

      // Continuing a descendant still works and still includes the deleted response's items.
      const r4 = turn('d4', { parentId: r3.id });
      await store.put(r4);
      expect((await store.getHistory(r4.id, TEST_OWNER))?.items).toEqual(expectedItems([r1, r2, r3, r4]));

      // Deleting the root too: descendants still complete.
      expect(await store.delete(r1.id, TEST_OWNER)).toBe(true);
      expect(await store.getHistory(r1.id, TEST_OWNER)).toBeNull();
      expect((await store.getHistory(r4.id, TEST_OWNER))?.items).toEqual(expectedItems([r1, r2, r3, r4]));

      // Once the last descendant goes, the tombstones are gone too: nothing can hang off them.
      for (const r of [r4, r3, r3b]) expect(await store.delete(r.id, TEST_OWNER)).toBe(true);
      await expect(store.put(turn('late', { parentId: r2.id }))).rejects.toBeInstanceOf(ParentNotFoundError);
      await expect(store.put(turn('late', { parentId: r1.id }))).rejects.toBeInstanceOf(ParentNotFoundError);
    });

    it('deleting a leaf leaves its parent and siblings untouched', async () => {
      const r1 = turn('l1');
      const r2 = turn('l2', { parentId: r1.id });
      const r2b = turn('l2b', { parentId: r1.id });
      for (const r of [r1, r2, r2b]) await store.put(r);
      expect(await store.delete(r2.id, TEST_OWNER)).toBe(true);
      expect(await store.get(r1.id, TEST_OWNER)).toEqual(r1.response);
      expect((await store.getHistory(r2b.id, TEST_OWNER))?.items).toEqual(expectedItems([r1, r2b]));
    });

    it('pages input items with limit/order/after/before/hasMore', async () => {
      const inputs = Array.from({ length: 7 }, (_, i) => userMessage(`in ${i}`, `msg_in${i}`));
      const r = turn('paging', { input: inputs, output: [assistantMessage('out', 'msg_out0')] });
      await store.put(r);
      const ids = async (o: Parameters<ResponseStore['listInputItems']>[2]) => {
        const page = await store.listInputItems(r.id, TEST_OWNER, o);
        return page && { ids: page.data.map((i) => i.id), hasMore: page.hasMore };
      };
      expect(await ids({ limit: 3, order: 'asc' })).toEqual({ ids: ['msg_in0', 'msg_in1', 'msg_in2'], hasMore: true });
      expect(await ids({ limit: 3, order: 'asc', after: 'msg_in2' })).toEqual({ ids: ['msg_in3', 'msg_in4', 'msg_in5'], hasMore: true });
      expect(await ids({ limit: 3, order: 'asc', after: 'msg_in5' })).toEqual({ ids: ['msg_in6'], hasMore: false });
      expect(await ids({ limit: 1, order: 'asc', after: 'msg_in5' })).toEqual({ ids: ['msg_in6'], hasMore: false });
      expect(await ids({ limit: 20, order: 'asc', after: 'msg_in6' })).toEqual({ ids: [], hasMore: false });
      expect(await ids({ limit: 3, order: 'desc' })).toEqual({ ids: ['msg_in6', 'msg_in5', 'msg_in4'], hasMore: true });
      expect(await ids({ limit: 3, order: 'desc', after: 'msg_in4' })).toEqual({ ids: ['msg_in3', 'msg_in2', 'msg_in1'], hasMore: true });
      expect(await ids({ limit: 3, order: 'desc', after: 'msg_in1' })).toEqual({ ids: ['msg_in0'], hasMore: false });
      expect(await ids({ limit: 20, order: 'asc', before: 'msg_in3' })).toEqual({ ids: ['msg_in0', 'msg_in1', 'msg_in2'], hasMore: false });
      expect(await ids({ limit: 2, order: 'desc', before: 'msg_in3' })).toEqual({ ids: ['msg_in6', 'msg_in5'], hasMore: true });
      expect(await ids({ limit: 20, order: 'asc', after: 'msg_in1', before: 'msg_in5' })).toEqual({ ids: ['msg_in2', 'msg_in3', 'msg_in4'], hasMore: false });
      expect(await ids({ limit: 20, order: 'desc', after: 'msg_in5', before: 'msg_in1' })).toEqual({ ids: ['msg_in4', 'msg_in3', 'msg_in2'], hasMore: false });
      expect(await ids({ limit: 100, order: 'asc' })).toEqual({ ids: inputs.map((i) => i.id), hasMore: false });
      // Output items are never input items, and unknown cursors give an empty page.
      expect(await ids({ limit: 20, order: 'asc', after: 'msg_out0' })).toEqual({ ids: [], hasMore: false });
      expect(await ids({ limit: 20, order: 'asc', after: "x' OR 1=1 --" })).toEqual({ ids: [], hasMore: false });
      expect(await ids({ limit: 20, order: 'asc', before: 'msg_\u0000' })).toEqual({ ids: [], hasMore: false });
      // Full item objects come back, not just ids.
      expect((await store.listInputItems(r.id, TEST_OWNER, { limit: 1, order: 'asc' }))?.data[0]).toEqual(inputs[0]);
    });

    it('lists only the response’s own input items, not inherited history', async () => {
      const r1 = turn('own1');
      const r2 = turn('own2', { parentId: r1.id });
      await store.put(r1);
      await store.put(r2);
      expect((await store.listInputItems(r2.id, TEST_OWNER, { limit: 20, order: 'asc' }))?.data).toEqual(r2.inputItems);
      const empty = turn('own3', { parentId: r2.id, input: [] });
      await store.put(empty);
      expect(await store.listInputItems(empty.id, TEST_OWNER, { limit: 20, order: 'asc' })).toEqual({ data: [], hasMore: false });
    });

    it('writes atomically: a refused write leaves nothing behind', async () => {
      const r1 = turn('a1');
      await store.put(r1);
      // Same id again: refused, and the original is intact.
      const dup = turn('a1-dup', { id: r1.id, input: [userMessage('x'), userMessage('y')] });
      await expect(store.put(dup)).rejects.toThrow();
      expect(await store.getHistory(r1.id, TEST_OWNER)).toEqual({ response: r1.response, items: expectedItems([r1]) });
      // Unknown parent: refused, nothing stored.
      const orphan = turn('orphan', { parentId: rid() });
      await expect(store.put(orphan)).rejects.toBeInstanceOf(ParentNotFoundError);
      expect(await store.get(orphan.id, TEST_OWNER)).toBeNull();
      expect(await store.listInputItems(orphan.id, TEST_OWNER, { limit: 20, order: 'asc' })).toBeNull();
      // Self-parent is refused up front.
      const self = rid();
      await expect(store.put(turn('self', { id: self, parentId: self }))).rejects.toThrow();
      expect(await store.get(self, TEST_OWNER)).toBeNull();
      // An item the database may reject mid-write (NUL in an id column): all or nothing.
      const nul = turn('nul', { input: [userMessage('ok'), userMessage('bad', 'msg_\u0000x')] });
      const stored = await store.put(nul).then(() => true, () => false);
      if (stored) expect((await store.getHistory(nul.id, TEST_OWNER))?.items).toEqual(expectedItems([nul]));
      else {
        expect(await store.get(nul.id, TEST_OWNER)).toBeNull();
        expect(await store.getHistory(nul.id, TEST_OWNER)).toBeNull();
      }
    });

    it('treats hostile and odd ids as unknown, never throwing', async () => {
      const keep = turn('keep');
      await store.put(keep);
      for (const id of BAD_IDS) {
        expect(await store.get(id, TEST_OWNER)).toBeNull();
        expect(await store.getHistory(id, TEST_OWNER)).toBeNull();
        expect(await store.listInputItems(id, TEST_OWNER, { limit: 20, order: 'desc', after: id, before: id })).toBeNull();
        expect(await store.delete(id, TEST_OWNER)).toBe(false);
      }
      expect(await store.getHistory(keep.id, TEST_OWNER)).toEqual({ response: keep.response, items: expectedItems([keep]) });
    });

    it('round-trips unicode ids and content', async () => {
      const id = `resp_ünï_🦀_${rid()}`;
      const r = turn('uni', { id, input: [userMessage('emoji 🦀 rtl مرحبا nul-escaped \u0000 lone \uDFFF')] });
      await store.put(r);
      const history = await store.getHistory(id, TEST_OWNER);
      expect(history?.response).toEqual(JSON.parse(JSON.stringify(r.response)));
      expect(history?.items).toEqual(JSON.parse(JSON.stringify(expectedItems([r]))));
    });

    it('round-trips huge metadata and huge items', async () => {
      const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`key_${i}_${'k'.repeat(50)}`, 'v'.repeat(512)]));
      const big = 'x'.repeat(2 * 1024 * 1024);
      const r = turn('huge', { metadata, extra: { blob: big }, input: [userMessage(big)] });
      await store.put(r);
      expect(await store.get(r.id, TEST_OWNER)).toEqual(r.response);
      const child = turn('huge-child', { parentId: r.id });
      await store.put(child);
      const history = await store.getHistory(child.id, TEST_OWNER);
      expect(history?.items).toEqual(expectedItems([r, child]));
    });

    it('handles many concurrent continuations from one process', async () => {
      const root = turn('c-root');
      await store.put(root);
      const children = Array.from({ length: 40 }, (_, i) => turn(`c${i}`, { parentId: root.id }));
      await Promise.all(children.map((c) => store.put(c)));
      const histories = await Promise.all(children.map((c) => store.getHistory(c.id, TEST_OWNER)));
      histories.forEach((h, i) => expect(h?.items).toEqual(expectedItems([root, children[i]!])));
      // Concurrent deletes of every child and of the root: all succeed exactly once.
      const results = await Promise.all([root, ...children].map((c) => store.delete(c.id, TEST_OWNER)));
      expect(results.every(Boolean)).toBe(true);
      await expect(store.put(turn('after', { parentId: root.id }))).rejects.toBeInstanceOf(ParentNotFoundError);
    });

    it('concurrent puts (group-committed together): each bad record fails alone, the rest are stored', async () => {
      const root = turn('gc-root');
      await store.put(root);
      const good = Array.from({ length: 12 }, (_, i) => turn(`gc-${i}`, { parentId: root.id }));
      const orphan = turn('gc-orphan', { parentId: rid() });
      const duplicate = turn('gc-dup', { id: root.id }); // an id that is already stored
      const child = turn('gc-child', { parentId: good[0]!.id }); // its parent is in the same batch
      // Submitted in the same tick, so they are written as one group.
      const all = [...good.slice(0, 6), orphan, duplicate, child, ...good.slice(6)];
      const results = await Promise.allSettled(all.map((r) => store.put(r)));
      const failed = (r: (typeof all)[number]) => results[all.indexOf(r)]!.status === 'rejected';
      expect(all.filter(failed)).toEqual([orphan, duplicate]);
      expect((results[all.indexOf(orphan)] as PromiseRejectedResult).reason).toBeInstanceOf(ParentNotFoundError);
      for (const r of good) expect((await store.getHistory(r.id, TEST_OWNER))?.items).toEqual(expectedItems([root, r]));
      expect((await store.getHistory(child.id, TEST_OWNER))?.items).toEqual(expectedItems([root, good[0]!, child]));
      expect(await store.get(orphan.id, TEST_OWNER)).toBeNull();
      expect(await store.get(root.id, TEST_OWNER)).toEqual(root.response);
    });

    it('keeps one shared secret: concurrent first callers all get the value that won', async () => {
      const name = `secret_${Math.random().toString(36).slice(2)}`;
      const values = await Promise.all(Array.from({ length: 8 }, (_, i) => store.getOrCreateSecret(name, () => `candidate-${i}`)));
      expect(new Set(values).size).toBe(1);
      expect(values[0]).toMatch(/^candidate-\d$/);
      // Later callers read it back; their own candidate is never used.
      expect(await store.getOrCreateSecret(name, () => 'late')).toBe(values[0]);
    });

    describe('conversations', () => {
      const cid = () => `conv_${randomBytes(24).toString('hex')}`;
      const ids = (items: { id?: string }[] | undefined) => (items ?? []).map((i) => i.id);

      it('creates, reads, updates metadata and deletes, scoped by owner', async () => {
        const id = cid();
        const first = [userMessage('hello'), assistantMessage('hi')];
        await store.createConversation({ id, owner: 'alice', metadata: { topic: 'demo' }, createdAt: 1700000000 }, first);
        expect(await store.getConversation(id, 'alice')).toEqual({ id, owner: 'alice', metadata: { topic: 'demo' }, createdAt: 1700000000 });
        expect(await store.getConversation(id, 'bob')).toBeNull();
        expect(await store.getConversationItems(id, 'alice')).toEqual(first);
        expect(await store.getConversationItems(id, 'bob')).toBeNull();
        expect(await store.updateConversation(id, 'bob', { x: '1' })).toBeNull();
        expect((await store.updateConversation(id, 'alice', { x: '1' }))?.metadata).toEqual({ x: '1' });
        expect(await store.getConversationItem(id, 'alice', first[1]!.id)).toEqual({ item: first[1] });
        expect(await store.getConversationItem(id, 'alice', 'msg_missing')).toEqual({ item: null });
        expect(await store.getConversationItem(id, 'bob', first[1]!.id)).toBeNull();
        expect(await store.deleteConversationItem(id, 'bob', first[0]!.id)).toBeNull();
        expect((await store.deleteConversationItem(id, 'alice', first[0]!.id))?.deleted).toBe(true);
        expect((await store.deleteConversationItem(id, 'alice', first[0]!.id))?.deleted).toBe(false);
        expect(ids(await store.getConversationItems(id, 'alice') ?? [])).toEqual([first[1]!.id]);
        expect(await store.deleteConversation(id, 'bob')).toBe(false);
        expect(await store.deleteConversation(id, 'alice')).toBe(true);
        expect(await store.getConversation(id, 'alice')).toBeNull();
        expect(await store.appendConversationItems(id, 'alice', [userMessage('late')])).toBe(false);
        for (const bad of BAD_IDS) expect(await store.getConversation(bad, 'alice')).toBeNull();
      });

      it('pages items by cursor in both orders', async () => {
        const id = cid();
        const items = Array.from({ length: 7 }, (_, i) => userMessage(`m${i}`));
        await store.createConversation({ id, owner: 'o', metadata: {}, createdAt: 1 }, items.slice(0, 3));
        expect(await store.appendConversationItems(id, 'o', items.slice(3))).toBe(true);
        const asc = await store.listConversationItems(id, 'o', { limit: 3, order: 'asc' });
        expect(ids(asc?.data)).toEqual(ids(items.slice(0, 3)));
        expect(asc?.hasMore).toBe(true);
        const next = await store.listConversationItems(id, 'o', { limit: 3, order: 'asc', after: items[2]!.id });
        expect(ids(next?.data)).toEqual(ids(items.slice(3, 6)));
        const last = await store.listConversationItems(id, 'o', { limit: 3, order: 'asc', after: items[5]!.id });
        expect(ids(last?.data)).toEqual([items[6]!.id]);
        expect(last?.hasMore).toBe(false);
        const desc = await store.listConversationItems(id, 'o', { limit: 2, order: 'desc', after: items[5]!.id });
        expect(ids(desc?.data)).toEqual([items[4]!.id, items[3]!.id]);
        expect(await store.listConversationItems(id, 'other', { limit: 2, order: 'asc' })).toBeNull();
        const empty = cid();
        await store.createConversation({ id: empty, owner: 'o', metadata: {}, createdAt: 1 }, []);
        expect(await store.listConversationItems(empty, 'o', { limit: 5, order: 'desc' })).toEqual({ data: [], hasMore: false });
        expect(await store.getConversationItems(empty, 'o')).toEqual([]);
      });

      it('serialises concurrent appends: nothing lost, nothing duplicated, each batch contiguous', async () => {
        const id = cid();
        await store.createConversation({ id, owner: 'o', metadata: {}, createdAt: 1 }, []);
        const batches = Array.from({ length: 30 }, (_, b) => [userMessage(`q${b}`), assistantMessage(`a${b}`)]);
        const results = await Promise.all(batches.map((batch) => store.appendConversationItems(id, 'o', batch)));
        expect(results.every(Boolean)).toBe(true);
        const all = (await store.getConversationItems(id, 'o'))!;
        expect(all).toHaveLength(60);
        expect(new Set(ids(all)).size).toBe(60);
        for (let i = 0; i < all.length; i += 2) expect(batches.some((b) => b[0]!.id === all[i]!.id && b[1]!.id === all[i + 1]!.id)).toBe(true);
      });

      it('refuses an item id the conversation already has, writing nothing', async () => {
        const id = cid();
        const m = userMessage('once');
        await store.createConversation({ id, owner: 'o', metadata: {}, createdAt: 1 }, [m]);
        await expect(store.appendConversationItems(id, 'o', [userMessage('new'), m])).rejects.toBeInstanceOf(DuplicateConversationItemError);
        expect(ids(await store.getConversationItems(id, 'o') ?? [])).toEqual([m.id]);
      });
    });
  });
}
