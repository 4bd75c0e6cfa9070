/**
 * The metrics plugin and instrumentation in one in-process gateway: SSE gauge and stream
 * duration while a stream is open, upstream TTFT/duration, tool calls requested by the model
 * (labelled `function` for client tools), the `unmatched` route label, and no auth by default.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chunk, sendSse, textChunks, usageChunk } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { sampleValue, scrape, waitFor } from './support.js';

let gw: TestGateway | null = null;
afterEach(async () => {
  await gw?.close();
  gw = null;
});

describe('metrics (in process)', () => {
  it('tracks an open SSE stream, its duration, and upstream TTFT/duration', async () => {
    gw = await startTestGateway();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    gw.upstream.setChatHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'first' }))}\n\n`);
      await gate;
      for (const c of textChunks([' rest']).slice(1)) res.write(`data: ${JSON.stringify(c)}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-model', input: 'x', stream: true }) });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reading = res.text();
    const open = await waitFor('the stream to be counted', async () => {
      const body = await scrape(gw!.url);
      return sampleValue(body, 'vllm_responses_sse_connections_in_flight') === 1 ? body : undefined;
    });
    // The stream and the scrape itself.
    expect(sampleValue(open, 'vllm_responses_http_in_flight_requests')).toBe(2);
    release();
    expect(await reading).toContain('response.completed');
    const after = await waitFor('the stream to close', async () => {
      const body = await scrape(gw!.url);
      return sampleValue(body, 'vllm_responses_sse_connections_in_flight') === 0 ? body : undefined;
    });
    expect(sampleValue(after, 'vllm_responses_http_in_flight_requests')).toBe(1);
    expect(sampleValue(after, 'vllm_responses_sse_stream_duration_seconds_count', { route: '/v1/responses' })).toBe(1);
    expect(sampleValue(after, 'vllm_responses_http_requests_total', { method: 'POST', route: '/v1/responses', status: '200' })).toBe(1);
    expect(sampleValue(after, 'vllm_responses_upstream_time_to_first_token_seconds_count', { api_kind: 'chat_completions' })).toBe(1);
    expect(sampleValue(after, 'vllm_responses_upstream_request_duration_seconds_count', { api_kind: 'chat_completions' })).toBe(1);
  });

  it('counts the tool calls the model requests, by tool type', async () => {
    gw = await startTestGateway();
    gw.upstream.setChatHandler((_req, res) =>
      sendSse(res, [
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(5, 5),
      ]),
    );
    const r = await gw.client.responses.create({
      model: 'fake-model',
      input: 'weather?',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }],
    });
    expect(r.output[0]?.type).toBe('function_call');
    const body = await scrape(gw.url);
    expect(sampleValue(body, 'vllm_responses_tool_calls_requested_total', { tool_type: 'function' })).toBe(1);
    expect(sampleValue(body, 'vllm_responses_tool_calls_executed_total', { tool_type: 'function' })).toBeUndefined();
  });

  it('labels unknown paths `unmatched` and needs no key when VR_API_KEYS is unset', async () => {
    gw = await startTestGateway();
    expect((await fetch(`${gw.url}/v1/does/not/exist/123`)).status).toBe(404);
    expect((await gw.client.responses.create({ model: 'fake-model', input: 'hi' })).output_text).toBe('You said: hi');
    const body = await scrape(gw.url);
    expect(sampleValue(body, 'vllm_responses_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(body).not.toContain('/v1/does/not/exist');
  });

  it('does not serve metrics when disabled', async () => {
    gw = await startTestGateway({ env: { metricsEnabled: false } });
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(404);
  });
});
