import { describe, expect, it } from 'vitest';
import { createResponsesEventInterpreter } from './interpret-events.js';

function run(events: unknown[]) {
  const it = createResponsesEventInterpreter();
  return [...events.flatMap((ev) => it.event(ev)), ...it.end()];
}

describe('native Responses event interpreter (read through event-schema.ts)', () => {
  it('refuses what is not an event object with a string type', () => {
    for (const bad of [null, 'x', 7, [], {}, { type: 3 }]) {
      expect(() => createResponsesEventInterpreter().event(bad)).toThrow(/malformed stream event/);
    }
  });

  it('reads text, logprobs, a function call and usage', () => {
    const out = run([
      { type: 'response.output_text.delta', delta: 'hi', logprobs: [{ token: 'hi', logprob: -0.5, bytes: [104, 105], top_logprobs: [{ token: 'hi', logprob: -0.5, bytes: [] }] }] },
      { type: 'response.output_item.added', output_index: 1, item: { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '' } },
      { type: 'response.function_call_arguments.delta', output_index: 1, delta: '{"a":1}' },
      { type: 'response.output_item.done', output_index: 1, item: { type: 'function_call', arguments: '{"a":1}' } },
      { type: 'response.completed', response: { status: 'completed', output: [{ type: 'message' }, { type: 'function_call' }], usage: { input_tokens: 3, output_tokens: 4, input_tokens_details: { cached_tokens: 1 } } } },
    ]);
    expect(out).toEqual([
      { type: 'text.delta', delta: 'hi', logprobs: [{ token: 'hi', logprob: -0.5, bytes: [104, 105], top_logprobs: [{ token: 'hi', logprob: -0.5, bytes: [] }] }] },
      { type: 'tool_call.start', index: 1, call_id: 'call_1', name: 'f' },
      { type: 'tool_call.arguments.delta', index: 1, delta: '{"a":1}' },
      { type: 'tool_call.done', index: 1 },
      { type: 'usage', usage: { input_tokens: 3, output_tokens: 4, cached_tokens: 1, reasoning_tokens: 0 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('is forgiving per field: a field of the wrong type reads as absent, a bad list entry is skipped', () => {
    const out = run([
      { type: 'response.output_text.delta', delta: 'a', logprobs: [7, { token: 'a', logprob: -1, bytes: 'nope' }] },
      { type: 'response.output_text.delta', delta: 5 },
      { type: 'response.completed', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { input_tokens: 'many' } } },
    ]);
    expect(out).toEqual([
      { type: 'text.delta', delta: 'a', logprobs: [{ token: 'a', logprob: -1, bytes: [], top_logprobs: [] }] },
      { type: 'usage', usage: { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 } },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('turns failures into 502 upstream errors with the upstream message, wherever it is', () => {
    const msg = (ev: unknown) => {
      try {
        createResponsesEventInterpreter().event(ev);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(msg({ type: 'response.failed', response: { error: { message: 'boom' } } })).toMatch(/boom/);
    expect(msg({ type: 'error', error: { message: 'nested' } })).toMatch(/nested/);
    expect(msg({ type: 'error', message: 'top-level' })).toMatch(/top-level/);
    expect(msg({ type: 'error', error: 'a string', message: 'beside it' })).toMatch(/beside it/);
  });

  it('a stream without a terminal event is an upstream error', () => {
    const it = createResponsesEventInterpreter();
    it.event({ type: 'response.output_text.delta', delta: 'x' });
    expect(() => it.end()).toThrow(/before the response was finished/);
  });
});
