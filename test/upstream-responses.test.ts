import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassette, type Cassette } from './support/cassettes.js';
import { freePort, spawnCli, waitForHttp } from './support/cli.js';
import { startFakeUpstream, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, responseSpecErrors } from './support/schemas.js';

/**
 * `--upstream-api-kind responses`: the same public API over the upstream's native
 * `POST /v1/responses`, replaying real vLLM (gpt-oss-20b) recordings.
 */
function replay(c: Cassette) {
  return (_req: RecordedRequest, res: ServerResponse) => {
    if (c.response.sse) {
      res.writeHead(c.response.status_code, { 'content-type': 'text/event-stream; charset=utf-8' });
      for (const piece of c.response.sse) res.write(piece);
      res.end();
      return;
    }
    res.writeHead(c.response.status_code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(c.response.body));
  };
}

function vllm(name: string): Cassette {
  return cassette(`vllm_native_responses/${name}.yaml`);
}

/** The upstream's own final response object from a recorded stream. */
function recordedFinal(c: Cassette): any {
  const last = (c.response.sse ?? []).filter((p) => p.startsWith('data: ')).map((p) => JSON.parse(p.slice(6))).at(-1);
  return last.response;
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true, serve: { upstreamApiKind: 'responses' } });
});
afterAll(async () => {
  await gw.close();
});

async function collect(stream: AsyncIterable<any>): Promise<any[]> {
  const out: any[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

describe('native Responses upstream transport', () => {
  it('streams reasoning then text from a vLLM recording, with the gateway’s own ids and grammar', async () => {
    const c = vllm('gptoss20b-responses-text-stream');
    gw.upstream.setResponsesHandler(replay(c));
    const events = await collect(await gw.client.responses.create({ model: 'openai/gpt-oss-20b', input: c.request.body.input, stream: true }));
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    events.forEach((e, i) => expect(e.sequence_number).toBe(i));
    const final = events.at(-1).response;
    expect(final.status).toBe('completed');
    expect(final.output.map((o: any) => o.type)).toEqual(['reasoning', 'message']);
    const upstreamFinal = recordedFinal(c);
    const upstreamText = upstreamFinal.output.find((o: any) => o.type === 'message').content[0].text;
    expect(final.output[1].content[0].text).toBe(upstreamText);
    expect(final.output[0].content[0].text).toBe(upstreamFinal.output.find((o: any) => o.type === 'reasoning').content[0].text);
    expect(final.id).toMatch(/^resp_[0-9a-f]{60}$/);
    expect(final.usage.input_tokens).toBe(upstreamFinal.usage.input_tokens);
    expect(final.usage.output_tokens_details.reasoning_tokens).toBe(upstreamFinal.usage.output_tokens_details.reasoning_tokens);
    expect(responseSpecErrors(final)).toEqual([]);
    // The gateway owns state: the upstream is asked not to store, and streams.
    const sent = gw.upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body).toMatchObject({ model: 'openai/gpt-oss-20b', stream: true, store: false });
    expect(sent.body.input).toEqual([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: c.request.body.input }] }]);
  });

  it('turns the upstream function call into a function_call item, then continues from a function_call_output', async () => {
    const step1 = vllm('gptoss20b-responses-function-stream-auto');
    gw.upstream.setResponsesHandler(replay(step1));
    const tools = step1.request.body.tools;
    const r1 = await gw.client.responses.create({ model: 'openai/gpt-oss-20b', input: step1.request.body.input, tools });
    const call = r1.output.find((o) => o.type === 'function_call') as any;
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"location":"Paris"}', status: 'completed' });
    // The call_id the stream announced (vLLM's final object reports another one).
    expect(call.call_id).toBe('call_9115c0eac829197a');
    expect(gw.upstream.requests.at(-1)!.body.tools).toEqual([{ type: 'function', name: 'get_weather', description: tools[0].description, parameters: tools[0].parameters, strict: true }]);

    const step2 = vllm('gptoss20b-responses-followup-function-call-output-stream');
    gw.upstream.setResponsesHandler(replay(step2));
    const r2 = await gw.client.responses.create({
      model: 'openai/gpt-oss-20b',
      previous_response_id: r1.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c":21,"conditions":"sunny"}' }],
    });
    expect(r2.status).toBe('completed');
    expect(r2.output_text.length).toBeGreaterThan(0);
    const input = gw.upstream.requests.at(-1)!.body.input;
    expect(input.map((i: any) => i.type)).toEqual(['message', 'reasoning', 'function_call', 'function_call_output']);
    expect(input[2]).toEqual({ type: 'function_call', call_id: call.call_id, name: 'get_weather', arguments: '{"location":"Paris"}' });
    expect(input[3]).toEqual({ type: 'function_call_output', call_id: call.call_id, output: '{"temperature_c":21,"conditions":"sunny"}' });
  });

  it('keeps the upstream’s status and message (501 for tool_choice required on Harmony models)', async () => {
    const c = vllm('gptoss20b-responses-function-required-501');
    gw.upstream.setResponsesHandler(replay(c));
    const err = await gw.client.responses
      .create({ model: 'openai/gpt-oss-20b', input: 'x', tools: c.request.body.tools, tool_choice: 'required' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(501);
    expect((err as Error).message).toContain("Only 'auto' tool_choice is supported");
  });

  describe('forced function calls streamed as output_text JSON (vLLM, non-Harmony models)', () => {
    for (const name of ['handwritten-vllm-qwen3-required-choice-text-json', 'handwritten-vllm-qwen3-named-choice-text-json']) {
      it(`${name}: the terminal response's function_call wins, in JSON and stream mode`, async () => {
        const c = vllm(name);
        gw.upstream.setResponsesHandler(replay(c));
        const body = { model: 'Qwen/Qwen3-8B', input: c.request.body.input, tools: c.request.body.tools, tool_choice: c.request.body.tool_choice };
        const r = await gw.client.responses.create(body);
        expect(responseSpecErrors(r)).toEqual([]);
        expect(r.output.map((o) => o.type)).toEqual(['function_call']);
        expect(r.output[0]).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city": "Paris"}', status: 'completed' });
        expect(r.output_text).toBe('');

        const events = await collect(await gw.client.responses.create({ ...body, stream: true }));
        for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
        // Never a text event for what the terminal response says was a call.
        expect(events.filter((e) => e.type.startsWith('response.output_text') || e.type.startsWith('response.content_part'))).toEqual([]);
        expect(events.find((e) => e.type === 'response.function_call_arguments.done').arguments).toBe('{"city": "Paris"}');
        const final = events.at(-1).response;
        expect(final.status).toBe('completed');
        expect(final.output.map((o: any) => o.type)).toEqual(['function_call']);
      });
    }

    it('text under a forced choice is still delivered when the terminal response says it was a message', async () => {
      const c = vllm('handwritten-vllm-qwen3-named-choice-text-json');
      const final = recordedFinal(c);
      const asMessage = JSON.parse(JSON.stringify(c));
      const lastData = asMessage.response.sse.findLastIndex((p: string) => p.startsWith('data: '));
      asMessage.response.sse[lastData] = `data: ${JSON.stringify({ type: 'response.completed', sequence_number: 99, response: { ...final, output: [{ type: 'message', id: 'msg_x', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: '{"city": "Paris"}', annotations: [] }] }] } })}\n`;
      gw.upstream.setResponsesHandler(replay(asMessage));
      const r = await gw.client.responses.create({ model: 'Qwen/Qwen3-8B', input: 'x', tools: c.request.body.tools, tool_choice: 'required' });
      expect(r.output.map((o) => o.type)).toEqual(['message']);
      expect(r.output_text).toBe('{"city": "Paris"}');
    });
  });

  it('closes a message whose stream omits output_text.done / content_part.done / output_item.done', async () => {
    const c = vllm('handwritten-vllm-qwen3-text-without-done-events');
    gw.upstream.setResponsesHandler(replay(c));
    const events = await collect(await gw.client.responses.create({ model: 'Qwen/Qwen3-8B', input: 'Say hello.', stream: true }));
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    const types = events.map((e) => e.type);
    expect(types.slice(-4)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(events.at(-1).response.output[0]).toMatchObject({ type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Hello there!' }] });
  });

  it('an upstream 4xx before the first event is an HTTP error in stream mode too', async () => {
    gw.upstream.setResponsesHandler((_req, res) => {
      const body = JSON.stringify({ object: 'error', message: 'No user query found in messages.', type: 'BadRequestError', param: null, code: 400 });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(body);
    });
    for (const stream of [false, true]) {
      const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'x', stream }) });
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error).toMatchObject({ message: 'No user query found in messages.', type: 'invalid_request_error' });
    }
  });

  it('a stream that stops before its terminal event fails the response', async () => {
    const c = vllm('gptoss20b-responses-text-stream');
    const cut = { ...c, response: { ...c.response, sse: c.response.sse!.slice(0, 20) } };
    gw.upstream.setResponsesHandler(replay(cut));
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'x' }) });
    expect(res.status).toBe(502);
  });

  it('is selected by the real CLI with --upstream-api-kind responses', async () => {
    const upstream = await startFakeUpstream();
    upstream.setResponsesHandler(replay(vllm('gptoss20b-responses-text-stream')));
    const port = await freePort();
    const proc = spawnCli(['serve', '--upstream', upstream.url, '--upstream-api-kind', 'responses', '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--code-interpreter', 'disabled'], {
      VR_DB_PATH: ':memory:',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      const r = await client.responses.create({ model: 'openai/gpt-oss-20b', input: 'hi' });
      expect(r.status).toBe('completed');
      expect(upstream.requests.some((q) => q.path === '/v1/responses')).toBe(true);
      expect(proc.output()).toMatch(/\(responses\)/);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await upstream.close();
    }
  });
});
