import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readFixture } from './load.js';

/**
 * The `openai-*` and `vllm-model-not-found` fixtures are byte-for-byte copies of recorded
 * cassettes (copied so the suite runs on a clean clone); when the cassettes are around, prove it.
 * Every other fixture is written by hand to pin one upstream quirk, and its name starts with
 * `handwritten-` so nobody mistakes it for a recording.
 */
const CASSETTES = process.env.VR_CASSETTES_DIR ?? '/work/shared/cassettes/chat_completions';

const SSE_COPIES: Record<string, string> = {
  'text-single-stream.yaml': 'openai-text-single.chunks.txt',
  'text-max_tokens-length-stream.yaml': 'openai-text-length.chunks.txt',
  'mcp-hosted-step1-stream.yaml': 'openai-tool-call-split-arguments.chunks.txt',
  'mcp-hosted-step2-stream.yaml': 'openai-text-after-tool-trailing-usage.chunks.txt',
};

/** Recorded fixtures: the cassette copies above plus the recorded error body. */
const RECORDED = new Set([...Object.values(SSE_COPIES), 'vllm-model-not-found.error.json']);

describe('fixture names say where each fixture comes from', () => {
  it('every fixture is a recorded copy or says `handwritten-` in its name', () => {
    const fixtures = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.txt') || f.endsWith('.json'));
    expect(fixtures.length).toBeGreaterThan(RECORDED.size);
    for (const f of fixtures) expect(RECORDED.has(f) || f.startsWith('handwritten-'), f).toBe(true);
  });
});

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
