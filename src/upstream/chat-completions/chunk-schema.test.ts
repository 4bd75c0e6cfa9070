import { describe, expect, it } from 'vitest';
import { parseChatChunk } from './chunk-schema.js';
import { createChunkInterpreter } from './interpret-chunks.js';

describe('parseChatChunk', () => {
  it('keeps the fields the interpreter reads and drops the rest', () => {
    expect(parseChatChunk({ id: 'x', model: 'm', choices: [{ index: 0, delta: { content: 'hi', role: 'assistant' }, finish_reason: null, logprobs: null }] })).toEqual({
      choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null, logprobs: null }],
    });
  });

  it('reads a field of the wrong type as absent instead of failing the chunk', () => {
    expect(parseChatChunk({ usage: [1], choices: [null, 7, { index: '0', delta: { content: 5, reasoning: 'r', tool_calls: 'x' }, finish_reason: 3 }] })).toEqual({
      usage: undefined,
      choices: [null, null, { index: undefined, delta: { content: undefined, reasoning: 'r', tool_calls: undefined }, finish_reason: undefined }],
    });
  });

  it('is null only for a chunk that is not a JSON object', () => {
    for (const bad of [null, 'x', 3, [{ choices: [] }]]) expect(parseChatChunk(bad)).toBeNull();
    expect(parseChatChunk({})).toEqual({});
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
