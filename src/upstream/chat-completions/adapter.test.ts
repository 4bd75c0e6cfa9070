import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import { createUpstreamClient, type UpstreamClient } from '../http-client.js';
import type { TurnRequest } from '../types.js';
import { collect, readFixture } from './__fixtures__/load.js';
import { startReplayServer, writeSse, type ReplayServer } from './__fixtures__/replay-server.js';
import { createChatCompletionsAdapter } from './adapter.js';

const userItem = (text: string): Item => ({ type: 'message', id: 'msg_1', role: 'user', status: 'completed', content: [{ type: 'input_text', text }] });

function turn(overrides: Partial<TurnRequest> = {}): TurnRequest {
  return {
    model: 'gpt-5-nano',
    instructions: null,
    items: [userItem('What is the capital of France?')],
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: null,
    maxOutputTokens: null,
    temperature: null,
    topP: null,
    presencePenalty: null,
    frequencyPenalty: null,
    logprobs: false,
    topLogprobs: null,
    reasoningEffort: null,
    responseFormat: null,
    user: null,
    signal: new AbortController().signal,
    ...overrides,
  };
}

let server: ReplayServer | null = null;
let client: UpstreamClient | null = null;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = null;
  server = null;
});

async function setup(handler: Parameters<typeof startReplayServer>[0], opts: { apiKey?: string; headersTimeoutMs?: number; bodyTimeoutMs?: number } = {}) {
  server = await startReplayServer(handler);
  client = createUpstreamClient({ baseUrl: server.url, ...opts });
  return { server, adapter: createChatCompletionsAdapter(client) };
}

describe('chat completions adapter over HTTP', () => {
  it('streams a recorded text answer and sends the expected request', async () => {
    const { server, adapter } = await setup((_req, res) => writeSse(res, readFixture('openai-text-single.chunks.txt')), { apiKey: 'sk-test' });
    const events = await collect(adapter.streamTurn(turn({ instructions: 'Be brief.', maxOutputTokens: 50, temperature: 0.2 })));
    expect(events).toEqual([
      { type: 'text.delta', delta: 'Paris' },
      { type: 'text.delta', delta: '.' },
      { type: 'finish', reason: 'stop' },
    ]);
    const seen = server.requests[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.headers.authorization).toBe('Bearer sk-test');
    expect(JSON.parse(seen.body)).toEqual({
      model: 'gpt-5-nano',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 50,
      temperature: 0.2,
    });
  });

  it('keeps a vLLM 404 for an unknown model with its message', async () => {
    const { adapter } = await setup((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(readFixture('vllm-model-not-found.error.json'));
    });
    const err = await collect(adapter.streamTurn(turn({ model: 'MiniMaxAI/MiniMax-M2.1' }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, type: 'invalid_request_error', param: 'model', code: null });
    expect((err as Error).message).toBe('The model `MiniMaxAI/MiniMax-M2.1` does not exist.');
  });
});
