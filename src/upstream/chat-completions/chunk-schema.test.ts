import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.js';
import { readFixture } from './__fixtures__/load.js';
import { parseChatChunk, parseChatChunkViaZod } from './chunk-schema.js';
import { createChunkInterpreter } from './interpret-chunks.js';
import { completionAsChunk } from './parse-completion.js';

describe('parseChatChunk', () => {
  it('reads a well-formed chunk as is: the same object, no copy', () => {
    const chunk = { id: 'x', model: 'm', choices: [{ index: 0, delta: { content: 'hi', role: 'assistant' }, finish_reason: null, logprobs: null }], usage: { prompt_tokens: 1 } };
    expect(parseChatChunk(chunk)).toBe(chunk);
  });

  it('through zod, keeps the fields the interpreter reads and drops the rest', () => {
    expect(parseChatChunkViaZod({ id: 'x', model: 'm', choices: [{ index: 0, delta: { content: 'hi', role: 'assistant' }, finish_reason: null, logprobs: null }] })).toEqual({
      choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null, logprobs: null }],
    });
  });

  it('reads a field of the wrong type as absent instead of failing the chunk', () => {
    expect(parseChatChunk({ usage: [1], choices: [null, 7, { index: '0', delta: { content: 5, reasoning: 'r', tool_calls: 'x' }, finish_reason: 3 }] })).toEqual({
      usage: undefined,
      choices: [null, null, { index: undefined, delta: { content: undefined, reasoning: 'r', tool_calls: undefined }, finish_reason: undefined }],
    });
  });

  it('leaves a record with an own __proto__ key to zod, which drops that key', () => {
    const chunk = JSON.parse('{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":{"__proto__":{"a":1},"b":2}}}]}}]}');
    const read = parseChatChunk(chunk);
    expect(read).not.toBe(chunk);
    expect(JSON.stringify(read?.choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments)).toBe('{"b":2}');
  });

  it('is null only for a chunk that is not a JSON object', () => {
    for (const bad of [null, 'x', 3, [{ choices: [] }]]) expect(parseChatChunk(bad)).toBeNull();
    expect(parseChatChunk({})).toEqual({});
  });

  it('reads as is only what zod passes unchanged, in every field it reads (seeded fuzz)', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
    const seeds: unknown[] = [
      completionAsChunk({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi', reasoning_content: 'r', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2 } }),
      { error: { message: 'boom' } },
      { object: 'error', message: 'boom' },
    ];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.chunks.txt'))) {
      for (const line of readFixture(name).split('\n')) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        try {
          seeds.push(JSON.parse(line.slice(6)));
        } catch {
          // a fixture's deliberately broken line
        }
      }
    }
    const rand = seededRandom(0x51ed270b);
    const values: (() => unknown)[] = [() => null, () => undefined, () => 0, () => 1.5, () => -1, () => 'x', () => '', () => true, () => [], () => ({}), () => [null], () => ({ a: 1 }), () => JSON.parse('{"__proto__":{"x":1}}'), () => [{ index: 0 }], () => ({ content: 'y' })];
    /** A copy of `value` with one random node (the root excepted) replaced or deleted. */
    const mutate = (value: unknown): unknown => {
      const copy = structuredClone(value);
      const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
      const walk = (v: unknown) => {
        if (Array.isArray(v)) {
          v.forEach((e, i) => {
            nodes.push({ parent: v, key: i });
            walk(e);
          });
        } else if (typeof v === 'object' && v !== null) {
          for (const k of Object.keys(v)) {
            nodes.push({ parent: v as Record<string, unknown>, key: k });
            walk((v as Record<string, unknown>)[k]);
          }
        }
      };
      walk(copy);
      for (let edits = 1 + rand(2); edits > 0 && nodes.length; edits--) {
        const { parent, key } = nodes[rand(nodes.length)]!;
        const next = values[rand(values.length)]!();
        if (next === undefined && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
        else (parent as Record<string | number, unknown>)[key] = next;
      }
      return copy;
    };
    let asIs = 0;
    let viaZod = 0;
    for (let n = 0; n < 20000; n++) {
      const input = n < seeds.length ? seeds[n] : mutate(seeds[rand(seeds.length)]);
      const read = parseChatChunk(input);
      const reference = parseChatChunkViaZod(input);
      if (read !== input) {
        viaZod++;
        expect(read).toEqual(reference);
        continue;
      }
      asIs++;
      // zod must pass it, and every field zod keeps must hold exactly what the input holds.
      expect(reference, JSON.stringify(input)).not.toBeNull();
      expect(input).toMatchObject(reference as object);
    }
    expect(asIs).toBeGreaterThan(5000);
    expect(viaZod).toBeGreaterThan(2000);
  });
});

describe('the interpreter over misbehaving fields', () => {
  it('streams what is well-formed and ignores the rest, as before the schema', () => {
    const it = createChunkInterpreter(() => 'call_x');
    expect(it.chunk({ choices: [{ index: 0, delta: { content: 7, reasoning_content: 'why' } }] })).toEqual([{ type: 'reasoning.delta', delta: 'why' }]);
    expect(it.chunk({ choices: [{ delta: { tool_calls: [null, { index: 0, id: 'c1', function: { name: 'f', arguments: { a: 1 } } }] } }] })).toEqual([
      { type: 'tool_call.start', index: 0, call_id: 'c1', name: 'f' },
      { type: 'tool_call.arguments.delta', index: 0, delta: '{"a":1}' },
    ]);
    expect(it.chunk({ choices: [{ index: 1, delta: { content: 'other choice' } }] })).toEqual([]);
    expect(() => it.chunk({ object: 'error', message: 'boom' })).toThrow(/boom/);
  });
});
