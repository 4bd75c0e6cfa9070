import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.js';
import type { Item } from '../api/items.js';
import { encodeRecord, itemsArrayJson } from './record-codec.js';
import type { StoredResponseRecord } from './types.js';

function message(id: string, text: string): Item {
  return { type: 'message', id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] } as Item;
}

function record(output: Item[], extra: Record<string, unknown> = {}, responseOutput: unknown = output): StoredResponseRecord {
  const input = [{ type: 'message', id: 'msg_in', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hi' }] } as Item];
  return {
    id: 'resp_1',
    owner: 'anonymous',
    parentId: null,
    inputItems: input,
    outputItems: output,
    response: { id: 'resp_1', object: 'response', status: 'completed', error: null, instructions: null, output: responseOutput, tools: [], metadata: {}, ...extra } as StoredResponseRecord['response'],
    createdAt: 1_700_000_000.5,
  };
}

describe('encodeRecord', () => {
  it('writes the response as JSON.stringify does, reusing the output rows in place of output', () => {
    const out = [message('msg_a', 'one'), message('msg_b', 'two "quoted" \u0000 text')];
    const r = record(out, { metadata: { k: 'v' }, usage: { total_tokens: 3 } });
    const encoded = encodeRecord(r);
    expect(encoded.responseJson).toBe(JSON.stringify(r.response));
    expect(encoded.items.map((row) => [row.seq, row.isOutput, row.itemId])).toEqual([
      [0, false, 'msg_in'],
      [1, true, 'msg_a'],
      [2, true, 'msg_b'],
    ]);
    expect(itemsArrayJson(encoded)).toBe(JSON.stringify([...r.inputItems, ...out]));
    expect(encoded.createdAt).toBe(1_700_000_000);
  });

  it('serialises the response whole when its output is not the stored items or the stand-in text is ambiguous', () => {
    const out = [message('msg_a', 'one')];
    // An include filter gave the client a different object for an item.
    const filtered = record(out, {}, [{ ...out[0], extra: 1 }]);
    expect(encodeRecord(filtered).responseJson).toBe(JSON.stringify(filtered.response));
    // A client string holding exactly the stand-in's JSON text.
    const tricky = record(out, { instructions: '"output":"\u0000"', metadata: { output: '\u0000' } });
    expect(encodeRecord(tricky).responseJson).toBe(JSON.stringify(tricky.response));
    const empty = record([]);
    expect(encodeRecord(empty).responseJson).toBe(JSON.stringify(empty.response));
    const noOutput = record(out, {}, undefined);
    expect(encodeRecord(noOutput).responseJson).toBe(JSON.stringify(noOutput.response));
  });

  it('matches JSON.stringify for responses with random strings around the output (seeded)', () => {
    const rand = seededRandom(0x2545f491);
    const pieces = ['"', '\\', 'output', ':', '\u0000', '\\u0000', '[', ']', '{', '}', ',', 'é', '\ud83d', 'x', ' '];
    const str = () => Array.from({ length: rand(8) }, () => pieces[rand(pieces.length)]).join('');
    for (let n = 0; n < 2000; n++) {
      const out = Array.from({ length: rand(3) }, (_, i) => message(`msg_${i}`, str()));
      const r = record(out, { instructions: str(), metadata: { [str()]: str(), output: str() }, error: rand(2) ? null : { code: str(), message: str() } });
      expect(encodeRecord(r).responseJson).toBe(JSON.stringify(r.response));
    }
  });

  it('refuses records without an owner or that continue themselves', () => {
    expect(() => encodeRecord({ ...record([]), owner: '' })).toThrow(/no owner/);
    expect(() => encodeRecord({ ...record([]), parentId: 'resp_1' })).toThrow(/its own previous response/);
  });
});
