import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Limits } from '../src/config/limits.js';
import { createCodeInterpreterTool } from '../src/tools/code-interpreter/tool.js';
import { cassette } from './support/cassettes.js';
import { chunk, completionOf, sendAnswer, sendJson, sendSse, textChunks, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * A JSON client that is not a background run watches nothing live, so the gateway asks the
 * Chat Completions upstream for one JSON answer (`stream: false`) instead of a token stream.
 * The same answer, streamed or in one piece, must give the same response and the same stored
 * state; a broken JSON answer is an OpenAI-shaped error like a broken stream.
 */
const limits: Limits = { ...DEFAULT_LIMITS, upstreamFirstByteTimeoutMs: 300, upstreamTotalTimeoutMs: 10_000, upstreamMaxOutputBytes: 64 * 1024 };

let gw: TestGateway;
beforeAll(async () => {
  const interpreter = { execute: async () => ({ status: 'success', stdout: '42\n', stderr: '', result: null, execution_time_ms: 1 }) } as any;
  gw = await startTestGateway({ sqliteStore: true, serve: { limits }, tools: [createCodeInterpreterTool(interpreter)] });
});
afterAll(async () => {
  await gw.close();
});

/** The response with what differs between two runs of the same answer (ids, times) blanked. */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = key === 'id' || key.endsWith('_at') ? typeof v : comparable(v);
  return out;
}

const lp = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token)], top_logprobs: [{ token, logprob, bytes: [...Buffer.from(token)] }] });
const withLogprobs = (content: string, ...tokens: ReturnType<typeof lp>[]) => ({ ...chunk({ content }), choices: [{ index: 0, delta: { content }, logprobs: { content: tokens }, finish_reason: null }] });
const weather = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
const call = (index: number, fields: Record<string, unknown>) => chunk({ tool_calls: [{ index, ...fields }] });

/** The same answers, each as the chunks a streaming upstream sends, with the request that gets it. */
const answers: Record<string, { chunks: Record<string, unknown>[]; request: Record<string, unknown> }> = {
  'text with usage': { chunks: textChunks(['Par', 'is.'], 'stop', [12, 2]), request: {} },
  'reasoning then text': {
    chunks: [chunk({ role: 'assistant', content: null, reasoning_content: 'Let me ' }), chunk({ reasoning_content: 'think.' }), ...textChunks(['Hello', ' there'])],
    request: { reasoning: { effort: 'low' } },
  },
  'parallel tool calls (arguments in pieces)': {
    chunks: [
      call(0, { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }),
      call(0, { function: { arguments: '{"city":' } }),
      call(1, { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }),
      call(0, { function: { arguments: '"Paris"}' } }),
      chunk({}, 'tool_calls'),
      usageChunk(20, 9),
    ],
    request: { tools: [weather] },
  },
  'a forced call that vLLM finishes with stop': {
    chunks: [call(0, { id: 'call_f', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }), chunk({}, 'stop'), usageChunk(20, 5)],
    request: { tools: [weather], tool_choice: { type: 'function', name: 'get_weather' } },
  },
  'text with logprobs': {
    chunks: [chunk({ role: 'assistant', content: '' }), withLogprobs('Hi', lp('Hi', -0.1)), withLogprobs('!', lp('!', -0.5)), chunk({}, 'stop'), usageChunk(5, 2)],
    request: { top_logprobs: 1, include: ['message.output_text.logprobs'] },
  },
  'cut off by max_output_tokens': { chunks: textChunks(['Partial', ' out'], 'length', [8, 2]), request: { max_output_tokens: 2 } },
  refusal: { chunks: [chunk({ role: 'assistant', refusal: '' }), chunk({ refusal: "I can't " }), chunk({ refusal: 'help.' }), chunk({}, 'stop')], request: {} },
};

async function create(request: Record<string, unknown>): Promise<OpenAI.Responses.Response> {
  return gw.client.responses.create({ model: 'fake-model', input: 'question', ...request } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
}

describe('a JSON client gets a JSON upstream answer', () => {
  for (const [name, { chunks, request }] of Object.entries(answers)) {
    it(`${name}: the same response and stored state as the streamed answer`, async () => {
      gw.upstream.setChatHandler((_req, res) => sendSse(res, chunks)); // streams whatever was asked
      const streamed = await create(request);
      const streamedRequest = gw.upstream.requests.at(-1)!.body;

      gw.upstream.setChatHandler((req, res) => sendAnswer(req, res, chunks));
      const json = await create(request);
      const jsonRequest = gw.upstream.requests.at(-1)!.body;

      expect(jsonRequest.stream).toBe(false);
      expect(jsonRequest).not.toHaveProperty('stream_options');
      const { stream: _a, stream_options: _b, ...rest } = streamedRequest;
      const { stream: _c, ...jsonRest } = jsonRequest;
      expect(jsonRest).toEqual(rest); // nothing else about the request changes
      expect(comparable(json)).toEqual(comparable(streamed));
      expect(comparable(await gw.client.responses.retrieve(json.id))).toEqual(comparable(await gw.client.responses.retrieve(streamed.id)));
      const items = async (id: string) => comparable((await gw.client.responses.inputItems.list(id)).data);
      expect(await items(json.id)).toEqual(await items(streamed.id));
    });
  }

  it('keeps the answer details: text, usage, tool calls, logprobs, incomplete_details', async () => {
    gw.upstream.setChatHandler((req, res) => sendAnswer(req, res, answers['text with usage']!.chunks));
    const text = await create({});
    expect(text.output_text).toBe('Paris.');
    expect(text.usage).toMatchObject({ input_tokens: 12, output_tokens: 2, total_tokens: 14 });

    gw.upstream.setChatHandler((req, res) => sendAnswer(req, res, answers['parallel tool calls (arguments in pieces)']!.chunks));
    const calls = await create({ tools: [weather] });
    expect(calls.output.map((o: any) => [o.type, o.call_id, o.arguments])).toEqual([
      ['function_call', 'call_a', '{"city":"Paris"}'],
      ['function_call', 'call_b', '{"city":"Oslo"}'],
    ]);

    gw.upstream.setChatHandler((req, res) => sendAnswer(req, res, answers['text with logprobs']!.chunks));
    const logprobs = await create(answers['text with logprobs']!.request);
    expect((logprobs.output[0] as any).content[0].logprobs).toEqual([lp('Hi', -0.1), lp('!', -0.5)]);

    gw.upstream.setChatHandler((req, res) => sendAnswer(req, res, answers['cut off by max_output_tokens']!.chunks));
    const cut = await create({ max_output_tokens: 2 });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('reads vLLM reasoning under `reasoning` too, and calls without an id', async () => {
    gw.upstream.setChatHandler((_req, res) =>
      sendJson(res, 200, {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: null, reasoning: 'Weather needed.', tool_calls: [{ type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, finish_reason: 'tool_calls' }],
        usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
      }),
    );
    const r = await create({ tools: [weather] });
    expect(r.output.map((o) => o.type)).toEqual(['reasoning', 'function_call']);
    expect((r.output[0] as any).content[0].text).toBe('Weather needed.');
    expect((r.output[1] as any).call_id).toMatch(/^call_/);
  });

  it('asks for a stream when someone watches: a streaming client or a background run', async () => {
    gw.upstream.setChatHandler((req, res) => sendAnswer(req, res, textChunks(['ok'])));
    for await (const _ev of await gw.client.responses.create({ model: 'fake-model', input: 'x', stream: true })) {
      // drain
    }
    expect(gw.upstream.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const queued = await gw.client.responses.create({ model: 'fake-model', input: 'x', background: true });
    await expect.poll(async () => (await gw.client.responses.retrieve(queued.id)).status).toBe('completed');
    expect(gw.upstream.requests.at(-1)!.body.stream).toBe(true);
  });

  it('a streaming client still gets a JSON answer from an upstream that ignores stream: true', async () => {
    gw.upstream.setChatHandler((_req, res) => sendJson(res, 200, completionOf(textChunks(['One ', 'piece.']))));
    const events: any[] = [];
    for await (const ev of await gw.client.responses.create({ model: 'fake-model', input: 'x', stream: true })) events.push(ev);
    expect(events.at(-1).type).toBe('response.completed');
    expect(events.at(-1).response.output_text ?? events.at(-1).response.output[0].content[0].text).toBe('One piece.');
  });

  it('runs every turn of a gateway tool loop as a JSON answer', async () => {
    gw.upstream.setChatHandler((req, res) => {
      const last = req.body.messages.at(-1);
      if (last.role === 'tool') return sendAnswer(req, res, textChunks([`Tool said: ${last.content}`]));
      return sendAnswer(req, res, [call(0, { id: 'call_ci', type: 'function', function: { name: 'code_interpreter', arguments: '{"code":"print(6*7)"}' } }), chunk({}, 'tool_calls'), usageChunk(10, 5)]);
    });
    const before = gw.upstream.requests.length;
    const r = await create({ tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
    expect(r.output.map((o) => o.type)).toEqual(['code_interpreter_call', 'message']);
    expect(r.output_text).toContain('Tool said:');
    const turns = gw.upstream.requests.slice(before);
    expect(turns.map((t) => t.body.stream)).toEqual([false, false]);
  });

  it('replays a recorded non-streaming chat completion (OpenAI gpt-5-nano, text-single.yaml)', async () => {
    const c = cassette('chat_completions/text-single.yaml');
    gw.upstream.setChatHandler((_req, res) => {
      res.writeHead(c.response.status_code, { 'content-type': c.response.headers['content-type']! });
      res.end(JSON.stringify(c.response.body));
    });
    const r = await gw.client.responses.create({ model: 'gpt-5-nano', input: c.request.body.messages[0].content });
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe('Paris.');
    expect(r.usage).toEqual({ input_tokens: 13, input_tokens_details: { cached_tokens: 0 }, output_tokens: 75, output_tokens_details: { reasoning_tokens: 64 }, total_tokens: 88 });
    // What the recording was made with: the same stream flag and messages.
    expect(gw.upstream.requests.at(-1)!.body).toMatchObject({ stream: false, messages: c.request.body.messages });
  });
});

describe('a broken JSON answer is an OpenAI-shaped error', () => {
  async function failure(handler: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>) {
    gw.upstream.setChatHandler(handler);
    const err = await create({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(Object.keys(apiErr.error as object).sort()).toEqual(['code', 'message', 'param', 'type']);
    return apiErr;
  }

  it('an upstream error status keeps its status and message', async () => {
    const err = await failure((_req, res) => sendJson(res, 400, { object: 'error', message: 'This model has no such context.', type: 'BadRequestError', param: null, code: 400 }));
    expect(err.status).toBe(400);
    expect(err.message).toContain('This model has no such context.');
  });

  it('a 200 carrying an error object is a 502 with its message', async () => {
    const err = await failure((_req, res) => sendJson(res, 200, { object: 'error', message: 'engine died', type: 'InternalServerError', param: null, code: 500 }));
    expect(err.status).toBe(502);
    expect(err.message).toContain('engine died');
  });

  it('a body that is not JSON, a body cut short, an answer without choices: 502', async () => {
    const invalid = await failure((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x","choices":[{"message":');
    });
    expect(invalid.status).toBe(502);
    expect(invalid.message).toContain('not valid JSON');

    const cut = await failure((req, res) => sendAnswer(req, res, textChunks(['a ', 'long ', 'answer']), { dieAfter: 1 }));
    expect(cut.status).toBe(502);

    const empty = await failure((_req, res) => sendJson(res, 200, { id: 'x', object: 'chat.completion', choices: [] }));
    expect(empty.status).toBe(502);
    expect(empty.message).toContain('without choices');
  });

  it('the output-bytes cap applies to the JSON body', async () => {
    const err = await failure((req, res) => sendAnswer(req, res, textChunks(['x'.repeat(100 * 1024)])));
    expect(err.status).toBe(502);
    expect(err.code).toBe('upstream_output_too_large');
  });
});

describe('deadlines of a JSON answer', () => {
  const later = (ms: number, send: () => void) => new Promise<void>((resolve) => setTimeout(() => resolve(send()), ms));

  it('has no first-byte deadline (its first byte comes when the answer is done), only the total one', async () => {
    // First-byte deadline 300 ms, answer after 900 ms: a streamed turn is cut off, a JSON one is not.
    gw.upstream.setChatHandler((req, res) => later(900, () => void sendAnswer(req, res, textChunks(["late"]))));
    const r = await create({});
    expect(r.output_text).toBe('late');

    const streamed = await gw.client.responses.create({ model: 'fake-model', input: 'x', stream: true }).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(OpenAI.APIError);
    expect((streamed as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
  });
});
