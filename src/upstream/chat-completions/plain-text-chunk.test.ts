import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/seeded-random.js';
import type { ModelEvent } from '../../model/events.js';
import { readFixture } from './__fixtures__/load.js';
import { createChunkInterpreter } from './interpret-chunks.js';
import { readPlainTextChunk } from './plain-text-chunk.js';

/** What the full path (JSON.parse + zod + interpreter) makes of one chunk: its events, or 'fails'. */
function fullPath(data: string): ModelEvent[] | 'fails' {
  try {
    return createChunkInterpreter(() => 'call_x').chunk(JSON.parse(data));
  } catch {
    return 'fails';
  }
}

/** The fast path's answer in the same terms; undefined when it leaves the chunk to the full path. */
function fastPath(data: string): ModelEvent[] | undefined {
  const text = readPlainTextChunk(data);
  if (text === undefined) return undefined;
  const ev = createChunkInterpreter(() => 'call_x').plainText(text);
  return ev ? [ev] : [];
}

const VLLM = '{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}';

describe('readPlainTextChunk', () => {
  it('reads the text chunks of vLLM, OpenAI and the fake upstream', () => {
    expect(readPlainTextChunk(VLLM)).toBe('Hello');
    const openai =
      '{"id":"chatcmpl-D","object":"chat.completion.chunk","created":1771324645,"model":"gpt-5-nano","service_tier":"default","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":" are"},"finish_reason":null}],"usage":null,"obfuscation":"uzN"}';
    expect(readPlainTextChunk(openai)).toBe(' are');
    expect(readPlainTextChunk('{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}')).toBe('');
    expect(readPlainTextChunk('{"choices":[{"delta":{"content":null}}]}')).toBe('');
    expect(readPlainTextChunk('{"choices":[{"index":0,"delta":{"content":"a\\nb\\u00e9\\"\\\\"}}]}')).toBe('a\nbé"\\');
  });

  it.each([
    ['a finish reason', '{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}'],
    ['usage', '{"choices":[],"usage":{"prompt_tokens":1}}'],
    ['logprobs', '{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[]}}]}'],
    ['an error object', '{"object":"error","message":"boom"}'],
    ['an escaped "error" object', '{"object":"err\\u006fr","message":"boom"}'],
    ['an error field', '{"error":"boom"}'],
    ['reasoning', '{"choices":[{"index":0,"delta":{"reasoning":"hm"}}]}'],
    ['a refusal', '{"choices":[{"index":0,"delta":{"refusal":"no"}}]}'],
    ['tool calls', '{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}'],
    ['a second choice', '{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}]}'],
    ['another index', '{"choices":[{"index":1,"delta":{"content":"a"}}]}'],
    ['an index written otherwise', '{"choices":[{"index":0.0,"delta":{"content":"a"}}]}'],
    ['a repeated delta', '{"choices":[{"index":0,"delta":{"content":"a"},"delta":{}}]}'],
    ['a repeated choices', '{"choices":[{"delta":{"content":"a"}}],"choices":[{"delta":{}}]}'],
    ['an escaped key', '{"choices":[{"delta":{"cont\\u0065nt":"a"}}]}'],
    ['an object in an unread field', '{"x":{},"choices":[{"delta":{"content":"a"}}]}'],
    ['content of another type', '{"choices":[{"delta":{"content":5}}]}'],
    ['malformed JSON', '{"choices":[{"delta":{"content":"a"}}]'],
    ['trailing text', '{"choices":[{"delta":{"content":"a"}}]} x'],
    ['a raw control character', '{"choices":[{"delta":{"content":"a\tb"}}]}'],
    ['a bad escape', '{"choices":[{"delta":{"content":"a\\qb"}}]}'],
    ['a bad number', '{"created":01,"choices":[{"delta":{"content":"a"}}]}'],
    ['an array', '[1]'],
    ['whitespace between tokens (servers send compact JSON)', '{ "choices":[{"delta":{"content":"a"}}]}'],
    ['a choice without delta', '{"choices":[{"index":0}]}'],
  ])('leaves %s to the full path', (_, data) => {
    expect(readPlainTextChunk(data)).toBeUndefined();
  });

  it('agrees with the full path on every chunk of the recorded and handwritten fixtures', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
    let recognised = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.chunks.txt'))) {
      for (const line of readFixture(name).split('\n')) {
        if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
        const data = line.slice(6).trim();
        const fast = fastPath(data);
        if (fast === undefined) continue;
        recognised++;
        expect(fast, `${name}: ${data}`).toEqual(fullPath(data));
      }
    }
    expect(recognised).toBeGreaterThan(20);
  });

  it('never answers differently from the full path for mutated chunks (seeded fuzz)', () => {
    // Seeded: the same mutants on every run.
    const rand = seededRandom(0x9e3779b9);
    const alphabet = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', '\t', '0', '1', '-', '.', 'e', 'n', 'u', 'l', 'a', '\u0001', 'é', '\ud83d', 'null', '"content"', '"index"', '"choices"', '"object"', '"error"', '"usage"', '"x"', '{}', '[]', '"delta"', '"\\u0041"'];
    const seeds = [VLLM, '{"choices":[{"index":0,"delta":{"content":"a b\\n"},"logprobs":null,"finish_reason":null}],"usage":null}', '{"object":"chat.completion.chunk","choices":[{"delta":{"role":"assistant","content":""}}]}'];
    let recognised = 0;
    let mismatches = 0;
    for (let n = 0; n < 30000; n++) {
      let data = seeds[rand(seeds.length)]!;
      for (let edits = 1 + rand(3); edits > 0; edits--) {
        const at = rand(data.length + 1);
        const op = rand(3);
        const piece = alphabet[rand(alphabet.length)]!;
        if (op === 0) data = data.slice(0, at) + piece + data.slice(at);
        else if (op === 1) data = data.slice(0, at) + data.slice(at + 1 + rand(4));
        else data = data.slice(0, at) + piece + data.slice(at + piece.length);
      }
      const fast = fastPath(data);
      if (fast === undefined) continue;
      recognised++;
      const full = fullPath(data);
      if (JSON.stringify(fast) !== JSON.stringify(full)) {
        mismatches++;
        expect(fast, data).toEqual(full);
      }
    }
    expect(mismatches).toBe(0);
    // The fuzz must exercise the recogniser, not only its refusals.
    expect(recognised).toBeGreaterThan(1000);
  });
});
