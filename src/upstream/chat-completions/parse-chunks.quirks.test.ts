import { describe, expect, it } from 'vitest';
import type { ModelEvent } from '../../model/events.js';
import { collect, fixtureBytes } from './__fixtures__/load.js';
import { parseChatCompletionChunks } from './parse-chunks.js';

/** One test per quirk fixture: each file is named after the upstream behaviour it pins. */
function parse(name: string, pieceSize?: number): Promise<ModelEvent[]> {
  let n = 0;
  return collect(parseChatCompletionChunks(fixtureBytes(name, pieceSize), { generateCallId: () => `call_generated_${n++}` }));
}

function args(events: ModelEvent[], index: number): string {
  return events.map((e) => (e.type === 'tool_call.arguments.delta' && e.index === index ? e.delta : '')).join('');
}

describe('tool-call quirks', () => {
  it('openai-tool-call-split-arguments: arguments split over chunks that carry only index (real recording)', async () => {
    const events = await parse('openai-tool-call-split-arguments.chunks.txt');
    expect(events[0]).toEqual({ type: 'tool_call.start', index: 0, call_id: 'call_d4CgCQekJ22QhJPrbIduqXTO', name: 'mcp__github_docs__search_docs' });
    expect(args(events, 0)).toBe('{"query":"migration notes"}');
    expect(events.filter((e) => e.type === 'tool_call.arguments.delta')).toHaveLength(6);
    expect(events.slice(-3)).toEqual([
      { type: 'tool_call.done', index: 0 },
      { type: 'usage', usage: { input_tokens: 155, output_tokens: 158, cached_tokens: 0, reasoning_tokens: 128 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('vllm-tool-call-whole-arguments-first-chunk: id, name and all arguments in one chunk', async () => {
    expect(await parse('handwritten-vllm-tool-call-whole-arguments-first-chunk.chunks.txt')).toEqual([
      { type: 'tool_call.start', index: 0, call_id: 'chatcmpl-tool-5f1a', name: 'get_weather' },
      { type: 'tool_call.arguments.delta', index: 0, delta: '{"city": "Paris", "unit": "celsius"}' },
      { type: 'tool_call.done', index: 0 },
      { type: 'usage', usage: { input_tokens: 187, output_tokens: 24, cached_tokens: 0, reasoning_tokens: 0 } },
      { type: 'finish', reason: 'tool_calls' },
    ]);
  });

  it('vllm-parallel-tool-calls-interleaved: fragments of two calls interleaved by index', async () => {
    const events = await parse('handwritten-vllm-parallel-tool-calls-interleaved.chunks.txt');
    expect(events.filter((e) => e.type === 'tool_call.start')).toEqual([
      { type: 'tool_call.start', index: 0, call_id: 'call_a', name: 'get_weather' },
      { type: 'tool_call.start', index: 1, call_id: 'call_b', name: 'get_time' },
    ]);
    expect(args(events, 0)).toBe('{"city":"Paris"}');
    expect(args(events, 1)).toBe('{"tz":"CET"}');
    expect(events.slice(-4).map((e) => e.type)).toEqual(['tool_call.done', 'tool_call.done', 'usage', 'finish']);
    expect(events.slice(-4, -2)).toEqual([
      { type: 'tool_call.done', index: 0 },
      { type: 'tool_call.done', index: 1 },
    ]);
  });

  it('vllm-text-before-tool-calls: text first, then a call, finish_reason in an empty delta', async () => {
    const events = await parse('handwritten-vllm-text-before-tool-calls.chunks.txt');
    expect(events.slice(0, 3)).toEqual([
      { type: 'text.delta', delta: 'Let me check' },
      { type: 'text.delta', delta: ' the weather.' },
      { type: 'tool_call.start', index: 0, call_id: 'chatcmpl-tool-91', name: 'get_weather' },
    ]);
    expect(args(events, 0)).toBe('{"city": "Paris"}');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
  });

  it('vllm-empty-tool-calls-content-null: empty tool_calls arrays and null content are ignored', async () => {
    expect(await parse('handwritten-vllm-empty-tool-calls-content-null.chunks.txt')).toEqual([
      { type: 'text.delta', delta: 'Hello' },
      { type: 'text.delta', delta: ' world' },
      { type: 'usage', usage: { input_tokens: 10, output_tokens: 3, cached_tokens: 0, reasoning_tokens: 0 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('tool-call-missing-id: a call without id gets a generated call_ id', async () => {
    const events = await parse('handwritten-tool-call-missing-id.chunks.txt');
    expect(events[0]).toEqual({ type: 'tool_call.start', index: 0, call_id: 'call_generated_0', name: 'get_weather' });
    expect(args(events, 0)).toBe('{}');
  });

  it('tool-call-missing-id: the default generator makes random call_ ids', async () => {
    const events = await collect(parseChatCompletionChunks(fixtureBytes('handwritten-tool-call-missing-id.chunks.txt')));
    const start = events[0] as Extract<ModelEvent, { type: 'tool_call.start' }>;
    expect(start.call_id).toMatch(/^call_[0-9a-f]{32,}$/);
  });

  it('tool-call-missing-index: fragments without index continue the last call; a new id starts the next', async () => {
    const events = await parse('handwritten-tool-call-missing-index.chunks.txt');
    expect(events.filter((e) => e.type === 'tool_call.start')).toEqual([
      { type: 'tool_call.start', index: 0, call_id: 'call_x', name: 'a' },
      { type: 'tool_call.start', index: 1, call_id: 'call_y', name: 'b' },
    ]);
    expect(args(events, 0)).toBe('{"n":1}');
    expect(args(events, 1)).toBe('{}');
  });

  it('vllm-named-tool-choice-finish-stop: calls with finish_reason stop still finish as tool_calls', async () => {
    const events = await parse('handwritten-vllm-named-tool-choice-finish-stop.chunks.txt');
    expect(args(events, 0)).toBe('{"city": "Oslo"}');
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    expect(events.at(-3)).toEqual({ type: 'tool_call.done', index: 0 });
  });
});

describe('reasoning, refusal, logprobs, usage quirks', () => {
  const reasoningExpected: ModelEvent[] = [
    { type: 'reasoning.delta', delta: 'The user asks' },
    { type: 'reasoning.delta', delta: ' for 2+2.' },
    { type: 'text.delta', delta: '4' },
    { type: 'usage', usage: { input_tokens: 12, output_tokens: 18, cached_tokens: 8, reasoning_tokens: 16 } },
    { type: 'finish', reason: 'stop' },
  ];

  it('vllm-reasoning-content-field: older vLLM sends reasoning_content', async () => {
    expect(await parse('handwritten-vllm-reasoning-content-field.chunks.txt')).toEqual(reasoningExpected);
  });

  it('vllm-reasoning-field: current vLLM sends reasoning', async () => {
    expect(await parse('handwritten-vllm-reasoning-field.chunks.txt')).toEqual(reasoningExpected);
  });

  it('vllm-reasoning-both-fields: both fields with the same text are never doubled', async () => {
    expect(await parse('handwritten-vllm-reasoning-both-fields.chunks.txt')).toEqual(reasoningExpected);
  });

  it('openai-refusal: refusal deltas become refusal events', async () => {
    const events = await parse('handwritten-openai-refusal.chunks.txt');
    expect(events.slice(0, 2)).toEqual([
      { type: 'refusal.delta', delta: "I'm sorry," },
      { type: 'refusal.delta', delta: " I can't help with that." },
    ]);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
  });

  it('vllm-logprobs: logprobs ride on text deltas, bytes default to [], empty-content logprobs are kept', async () => {
    const events = await parse('handwritten-vllm-logprobs.chunks.txt');
    expect(events.slice(0, 2)).toEqual([
      {
        type: 'text.delta',
        delta: 'Hi',
        logprobs: [
          {
            token: 'Hi',
            logprob: -0.01,
            bytes: [72, 105],
            top_logprobs: [
              { token: 'Hi', logprob: -0.01, bytes: [72, 105] },
              { token: 'Hello', logprob: -4.6, bytes: [] },
            ],
          },
        ],
      },
      {
        type: 'text.delta',
        delta: '—',
        logprobs: [
          { token: '\u00e2\u0080', logprob: -0.5, bytes: [], top_logprobs: [] },
          { token: '\u0136', logprob: -9999, bytes: [148], top_logprobs: [] },
        ],
      },
    ]);
  });
});
