import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import { createUpstreamClient, type UpstreamClient } from '../http-client.js';
import type { TurnRequest } from '../types.js';
import { collect, readFixture } from './__fixtures__/load.js';
import { turnRequest, userItem } from './__fixtures__/turn.js';
import { startReplayServer, writeSse, type ReplayServer } from './__fixtures__/replay-server.js';
import { createChatCompletionsAdapter } from './adapter.js';

const turn = (overrides: Partial<TurnRequest> = {}): TurnRequest => turnRequest({ model: 'gpt-5-nano', items: [userItem('What is the capital of France?')], ...overrides });


let server: ReplayServer | null = null;
let client: UpstreamClient | null = null;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = null;
  server = null;
});

async function setup(handler: Parameters<typeof startReplayServer>[0], opts: { apiKey?: string; firstByteTimeoutMs?: number; idleTimeoutMs?: number; totalTimeoutMs?: number } = {}) {
  server = await startReplayServer(handler);
  client = createUpstreamClient({ baseUrl: server.url, ...opts });
  return { server, adapter: createChatCompletionsAdapter(client) };
}

describe('chat completions adapter over HTTP', () => {
  it('streams a recorded text answer and sends the expected request', async () => {
    const { server, adapter } = await setup((_req, res) => writeSse(res, readFixture('openai-text-single.chunks.txt')), { apiKey: 'sk-test' });
    const events = await collect(adapter.streamTurn(turn({ instructions: 'Be brief.', maxOutputTokens: 50, params: { temperature: 0.2 } })));
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
      max_tokens: 50,
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

  it('replays the two MCP turns: split tool call, then the answer, sending tool_calls and tool messages', async () => {
    const fixtures = ['openai-tool-call-split-arguments.chunks.txt', 'openai-text-after-tool-trailing-usage.chunks.txt'];
    const { server, adapter } = await setup((_req, res) => writeSse(res, readFixture(fixtures[server.requests.length - 1]!)));
    const tool = { name: 'mcp__github_docs__search_docs', description: 'Hosted MCP wrapper tool', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'], additionalProperties: false } };
    const prompt = userItem("Call tool `mcp__github_docs__search_docs` with query='migration notes'. Do not answer directly before tool call.");
    const step1 = await collect(adapter.streamTurn(turn({ items: [prompt], tools: [tool], toolChoice: { name: tool.name } })));
    expect(step1.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({
      tool_choice: { type: 'function', function: { name: tool.name } },
      tools: [{ type: 'function', function: tool }],
    });

    const callId = 'call_d4CgCQekJ22QhJPrbIduqXTO';
    const items: Item[] = [
      prompt,
      { type: 'function_call', id: 'fc_1', call_id: callId, name: tool.name, arguments: '{"query":"migration notes"}', status: 'completed' },
      { type: 'function_call_output', id: 'fco_1', call_id: callId, output: '{"results":[]}', status: 'completed' },
    ];
    const step2 = await collect(adapter.streamTurn(turn({ items, tools: [tool] })));
    expect(step2.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    expect(JSON.parse(server.requests[1]!.body).messages).toEqual([
      { role: 'user', content: "Call tool `mcp__github_docs__search_docs` with query='migration notes'. Do not answer directly before tool call." },
      { role: 'assistant', content: null, tool_calls: [{ id: callId, type: 'function', function: { name: tool.name, arguments: '{"query":"migration notes"}' } }] },
      { role: 'tool', tool_call_id: callId, content: '{"results":[]}', name: tool.name },
    ]);
  });

  it('forwards trace headers from the turn', async () => {
    const { server, adapter } = await setup((_req, res) => writeSse(res, readFixture('openai-text-single.chunks.txt')));
    await collect(adapter.streamTurn(turn({ headers: { traceparent: '00-abc-def-01' } })));
    expect(server.requests[0]!.headers.traceparent).toBe('00-abc-def-01');
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('maps a vLLM context-length 400 to context_length_exceeded', async () => {
    const message = "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens in the messages. Please reduce the length of the messages.";
    const { adapter } = await setup((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 }));
    });
    await expect(collect(adapter.streamTurn(turn()))).rejects.toMatchObject({ status: 400, code: 'context_length_exceeded', message, type: 'invalid_request_error' });
  });

  it('keeps a 5xx status with type upstream_error', async () => {
    const { adapter } = await setup((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('engine is overloaded');
    });
    await expect(collect(adapter.streamTurn(turn()))).rejects.toMatchObject({ status: 503, type: 'upstream_error', code: 'service_unavailable', upstreamBody: 'engine is overloaded' });
  });

  it('fails clearly when the upstream ignores stream:true and answers JSON without a choice', async () => {
    const { adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices":[]}');
    });
    await expect(collect(adapter.streamTurn(turn()))).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('asks for one JSON answer when nobody watches the turn, and reads it as the equivalent chunk', async () => {
    const { server, adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: 'Checking.',
                reasoning_content: 'Two cities.',
                tool_calls: [
                  { id: 'call_1', type: 'function', function: { name: 'w', arguments: '{"c":"A"}' } },
                  { id: 'call_2', type: 'function', function: { name: 'w', arguments: '{"c":"B"}' } },
                ],
              },
              logprobs: { content: [{ token: 'Checking.', logprob: -0.5, bytes: [67], top_logprobs: [] }] },
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 7, completion_tokens: 11, total_tokens: 18 },
        }),
      );
    });
    const events = await collect(adapter.streamTurn(turn({ stream: false, logprobs: true })));
    expect(events).toEqual([
      { type: 'reasoning.delta', delta: 'Two cities.' },
      { type: 'text.delta', delta: 'Checking.', logprobs: [{ token: 'Checking.', logprob: -0.5, bytes: [67], top_logprobs: [] }] },
      { type: 'tool_call.start', index: 0, call_id: 'call_1', name: 'w' },
      { type: 'tool_call.arguments.delta', index: 0, delta: '{"c":"A"}' },
      { type: 'tool_call.start', index: 1, call_id: 'call_2', name: 'w' },
      { type: 'tool_call.arguments.delta', index: 1, delta: '{"c":"B"}' },
      { type: 'tool_call.done', index: 0 },
      { type: 'tool_call.done', index: 1 },
      { type: 'usage', usage: expect.objectContaining({ input_tokens: 7, output_tokens: 11 }) },
      { type: 'finish', reason: 'tool_calls' },
    ]);
    const seen = server.requests[0]!;
    expect(seen.headers.accept).toBe('application/json');
    expect(JSON.parse(seen.body)).toMatchObject({ stream: false, logprobs: true });
    expect(JSON.parse(seen.body)).not.toHaveProperty('stream_options');
  });

  it('gives a JSON answer no first-byte deadline, only the total one', async () => {
    const { adapter } = await setup(() => {}, { firstByteTimeoutMs: 100, totalTimeoutMs: 400 });
    const err = await collect(adapter.streamTurn(turn({ stream: false }))).catch((e: unknown) => e);
    // The total deadline ended the wait, not the (shorter) first-byte one.
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect((err as Error).message).toContain('in total');
  });

  it('releases a JSON answer the consumer leaves unread', async () => {
    const { server, adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices":[');
    });
    for await (const batch of adapter.streamTurn(turn({ stream: false }))) {
      expect(batch).toEqual([]); // accepted; leave before the answer is read
      break;
    }
    await server.clientAborted;
  });

  it('maps connection refused to 502 upstream_unavailable', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    client = createUpstreamClient({ baseUrl: `http://127.0.0.1:${port}/v1` });
    const err = await collect(createChatCompletionsAdapter(client).streamTurn(turn())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_unavailable' });
  });

  it('maps a server that never answers to 504 upstream_timeout', async () => {
    const { adapter } = await setup(() => {}, { firstByteTimeoutMs: 150 });
    await expect(collect(adapter.streamTurn(turn()))).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('maps a stream that stalls mid-way to 504 upstream_timeout', async () => {
    const { adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(readFixture('handwritten-truncated-mid-stream.chunks.txt'));
    }, { idleTimeoutMs: 150 });
    await expect(collect(adapter.streamTurn(turn()))).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('turns an upstream that dies mid-stream (socket destroyed) into a 502 after the first deltas', async () => {
    const { adapter } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(readFixture('handwritten-truncated-mid-stream.chunks.txt'));
      await new Promise((r) => setTimeout(r, 30));
      res.socket?.destroy();
    });
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const batch of adapter.streamTurn(turn())) seen.push(...batch);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ type: 'text.delta', delta: 'The answer is' }]);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502 });
    expect(['upstream_unavailable', 'upstream_error']).toContain((err as ApiError).code);
  });

  it('turns a stream that ends cleanly without finish or [DONE] into a 502 upstream_error', async () => {
    const { adapter } = await setup((_req, res) => writeSse(res, readFixture('handwritten-truncated-mid-stream.chunks.txt')));
    await expect(collect(adapter.streamTurn(turn()))).rejects.toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('aborts the upstream request as soon as the turn signal fires', async () => {
    const { server, adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(readFixture('handwritten-truncated-mid-stream.chunks.txt')); // then hold the stream open
    });
    const controller = new AbortController();
    const seen: unknown[] = [];
    const err = await (async () => {
      for await (const batch of adapter.streamTurn(turn({ signal: controller.signal }))) {
        if (!batch.length) continue; // the acceptance batch (2xx headers)
        seen.push(...batch);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as Error).name).toBe('AbortError');
    await server.clientAborted; // the upstream saw its connection close
  });

  it('closes the upstream connection when the consumer stops iterating early', async () => {
    const { server, adapter } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(readFixture('handwritten-truncated-mid-stream.chunks.txt'));
    });
    let accepted = false;
    for await (const batch of adapter.streamTurn(turn())) {
      if (!accepted) {
        expect(batch).toEqual([]); // the upstream accepted the request
        accepted = true;
        continue;
      }
      expect(batch[0]?.type).toBe('text.delta');
      break;
    }
    await server.clientAborted;
  });

  it('aborts before the response headers arrive', async () => {
    const { server, adapter } = await setup(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await collect(adapter.streamTurn(turn({ signal: controller.signal }))).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    await server.clientAborted;
  });

  it('rejects orphan tool outputs with a 400 before calling the upstream', async () => {
    const { server, adapter } = await setup((_req, res) => writeSse(res, readFixture('openai-text-single.chunks.txt')));
    const items: Item[] = [{ type: 'function_call_output', id: 'fco_1', call_id: 'call_nope', output: 'x', status: 'completed' }];
    await expect(collect(adapter.streamTurn(turn({ items })))).rejects.toMatchObject({ status: 400, param: 'input' });
    expect(server.requests).toHaveLength(0);
  });
});
