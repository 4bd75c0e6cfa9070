import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { ModelEvent } from '../../model/events.js';
import { collect, fixtureBytes } from './__fixtures__/load.js';
import { parseChatCompletionChunks } from './parse-chunks.js';

function parse(name: string, pieceSize?: number): Promise<ModelEvent[]> {
  let n = 0;
  return collect(parseChatCompletionChunks(fixtureBytes(name, pieceSize), { generateCallId: () => `call_generated_${n++}` }));
}

function text(events: ModelEvent[]): string {
  return events.map((e) => (e.type === 'text.delta' ? e.delta : '')).join('');
}

describe('parseChatCompletionChunks: text (OpenAI recordings)', () => {
  it('skips the role-only first chunk with empty content and maps stop', async () => {
    const events = await parse('openai-text-single.chunks.txt');
    expect(events).toEqual([
      { type: 'text.delta', delta: 'Paris' },
      { type: 'text.delta', delta: '.' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('gives the same events however the bytes are cut', async () => {
    const whole = await parse('openai-text-after-tool-trailing-usage.chunks.txt');
    for (const size of [1, 7, 64]) expect(await parse('openai-text-after-tool-trailing-usage.chunks.txt', size)).toEqual(whole);
  });

  it('decodes characters split across reads and drops a leading byte-order mark (as TextDecoder did)', async () => {
    const body = `\uFEFFdata: {"choices":[{"index":0,"delta":{"content":"héllo 🌍 ✓"}}]}\n\ndata: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n`;
    const bytes = new TextEncoder().encode(body);
    for (const size of [1, 2, 3, 5, bytes.length]) {
      const pieces = (async function* () {
        for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
      })();
      expect(await collect(parseChatCompletionChunks(pieces))).toEqual([
        { type: 'text.delta', delta: 'héllo 🌍 ✓' },
        { type: 'finish', reason: 'stop' },
      ]);
    }
  });

  it('maps finish_reason length from a chunk with an empty delta', async () => {
    const events = await parse('openai-text-length.chunks.txt');
    expect(events).toEqual([
      { type: 'text.delta', delta: 'Partial output' },
      { type: 'finish', reason: 'length' },
    ]);
  });

  it('reads usage from the trailing chunk with empty choices, then finishes last', async () => {
    const events = await parse('openai-text-after-tool-trailing-usage.chunks.txt');
    expect(text(events)).toMatch(/^Here are the search results for "migration notes"/);
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { input_tokens: 220, output_tokens: 444, cached_tokens: 0, reasoning_tokens: 384 } },
      { type: 'finish', reason: 'stop' },
    ]);
  });
});

describe('parseChatCompletionChunks: broken streams', () => {
  it('throws 502 when the stream ends with neither finish_reason nor [DONE]', async () => {
    const err = await parse('handwritten-truncated-mid-stream.chunks.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('throws 502 with the upstream message for a mid-stream error payload', async () => {
    const err = await parse('handwritten-vllm-mid-stream-error.chunks.txt').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'upstream_error' });
    expect((err as Error).message).toContain('CUDA out of memory');
  });

  it('throws 502 for a chunk that is not JSON', async () => {
    const bytes = (async function* () {
      yield new TextEncoder().encode('data: {not json\n\n');
    })();
    await expect(collect(parseChatCompletionChunks(bytes))).rejects.toMatchObject({ status: 502 });
  });

  it('accepts a finished stream whose [DONE] never came', async () => {
    const events = await parse('handwritten-finish-without-done.chunks.txt');
    expect(events).toEqual([
      { type: 'text.delta', delta: 'ok' },
      { type: 'finish', reason: 'stop' },
    ]);
  });

  it('infers the finish when [DONE] arrives without a finish_reason', async () => {
    const events = await parse('handwritten-done-without-finish-reason.chunks.txt');
    expect(events).toEqual([
      { type: 'text.delta', delta: 'ok' },
      { type: 'finish', reason: 'stop' },
    ]);
  });
});
