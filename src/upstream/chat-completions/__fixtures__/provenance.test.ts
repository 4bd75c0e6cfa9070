import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFixture } from './load.js';

/**
 * The `openai-*` and `vllm-model-not-found` fixtures are byte-for-byte copies of the shared
 * cassettes (copied so the suite runs on a clean clone). When the cassettes are around, prove it.
 */
const CASSETTES = process.env.VR_CASSETTES_DIR ?? '/work/shared/cassettes/chat_completions';

const SSE_COPIES: Record<string, string> = {
  'text-single-stream.yaml': 'openai-text-single.chunks.txt',
  'text-max_tokens-length-stream.yaml': 'openai-text-length.chunks.txt',
  'mcp-hosted-step1-stream.yaml': 'openai-tool-call-split-arguments.chunks.txt',
  'mcp-hosted-step2-stream.yaml': 'openai-text-after-tool-trailing-usage.chunks.txt',
};

describe.skipIf(!existsSync(CASSETTES))('fixtures recorded from cassettes', () => {
  it.each(Object.entries(SSE_COPIES))('%s → %s', (cassette, fixture) => {
    const doc = parse(readFileSync(join(CASSETTES, cassette), 'utf8')) as { response: { sse: string[] } };
    expect(readFixture(fixture)).toBe(doc.response.sse.join(''));
  });

  it('model-not-found-stream.yaml → vllm-model-not-found.error.json', () => {
    const doc = parse(readFileSync(join(CASSETTES, 'model-not-found-stream.yaml'), 'utf8')) as { response: { body: unknown; status_code: number } };
    expect(doc.response.status_code).toBe(404);
    expect(JSON.parse(readFixture('vllm-model-not-found.error.json'))).toEqual(doc.response.body);
  });
});
