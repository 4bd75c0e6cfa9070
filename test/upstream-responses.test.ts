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
    expect(final.id).toMatch(/^resp_[0-9a-f]{48}$/);
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
