import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, usageChunk } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, specErrors } from './support/schemas.js';

const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};
const timeTool = { ...weatherTool, name: 'get_time', description: 'Local time in a city' };

/** vLLM-style tool call stream: id+name first, then argument fragments carrying only `index`. */
function toolCallChunks(calls: { id: string; name: string; args: string[] }[], textBefore?: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [chunk({ role: 'assistant', content: textBefore ?? null })];
  calls.forEach((c, index) => {
    out.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    for (const a of c.args) out.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }));
  });
  out.push(chunk({}, 'tool_calls'), usageChunk(30, 12));
  return out;
}

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
});
afterAll(async () => {
  await gw.close();
});

describe('function tools', () => {
  it('translates tools and every tool_choice form for the upstream', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]));
    const cases: [unknown, unknown, string[]][] = [
      ['auto', 'auto', ['get_weather', 'get_time']],
      ['none', 'none', ['get_weather', 'get_time']],
      ['required', 'required', ['get_weather', 'get_time']],
      [{ type: 'function', name: 'get_time' }, { type: 'function', function: { name: 'get_time' } }, ['get_weather', 'get_time']],
      [{ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'get_time' }] }, 'required', ['get_time']],
      [{ type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'get_weather' }] }, 'auto', ['get_weather']],
    ];
    for (const [choice, upstreamChoice, names] of cases) {
      await gw.client.responses.create({ model: 'fake-model', input: 'hi', tools: [weatherTool, timeTool], tool_choice: choice as any, parallel_tool_calls: false });
      const body = gw.upstream.requests.at(-1)!.body;
      expect(body.tool_choice).toEqual(upstreamChoice);
      expect(body.tools.map((t: any) => t.function.name)).toEqual(names);
      expect(body.parallel_tool_calls).toBe(false);
    }
    expect(gw.upstream.requests.at(-1)!.body.tools[0]).toEqual({
      type: 'function',
      function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.parameters, strict: true },
    });
  });

  it('runs a full two-step function loop with previous_response_id (streaming), matching OpenAI’s event order', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, toolCallChunks([{ id: 'call_abc', name: 'get_weather', args: ['{"ci', 'ty":"Par', 'is"}'] }])));
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'Weather in Paris?', tools: [weatherTool], stream: true });
    const events: any[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    const added = events[2].item;
    expect(added).toMatchObject({ type: 'function_call', status: 'in_progress', arguments: '', call_id: 'call_abc', name: 'get_weather' });
    expect(added.id).toMatch(/^fc_/);
    const r1 = events.at(-1).response;
    expect(r1.status).toBe('completed');
    expect(r1.output).toEqual([{ type: 'function_call', id: added.id, call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' }]);
    expect(specErrors('ResponseResource', r1)).toEqual([]);

    // Step 2: the client ran the function and answers it; tools are inherited.
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Sunny, 21°C.' }), chunk({}, 'stop'), usageChunk(50, 5)]));
    const r2 = await gw.client.responses.create({
      model: 'fake-model',
      previous_response_id: r1.id,
      input: [{ type: 'function_call_output', call_id: 'call_abc', output: '{"temp":21,"sky":"sunny"}' }],
    });
    expect(r2.output_text).toBe('Sunny, 21°C.');
    const messages = gw.upstream.requests.at(-1)!.body.messages;
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"temp":21,"sky":"sunny"}', name: 'get_weather' },
    ]);
    expect(gw.upstream.requests.at(-1)!.body.tools[0].function.name).toBe('get_weather');
  });

  it('accepts the whole history resent by the client (no previous_response_id), mixed with a new user message', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'done' }), chunk({}, 'stop')]));
    await gw.client.responses.create({
      model: 'fake-model',
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'c2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_text', text: '20C' }] },
        { type: 'function_call_output', call_id: 'c2', output: '25C' },
        { role: 'user', content: 'Which is warmer?' },
      ],
    });
    const messages = gw.upstream.requests.at(-1)!.body.messages;
    expect(messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
    expect(messages[1].tool_calls.map((c: any) => c.id)).toEqual(['c1', 'c2']);
    expect(messages[2]).toMatchObject({ tool_call_id: 'c1', content: '20C' });
  });

  it('streams parallel calls one after the other even when the upstream interleaves them', async () => {
    gw.upstream.setChatHandler((_req, res) =>
      sendSse(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    );
    const stream = await gw.client.responses.create({ model: 'fake-model', input: 'both', tools: [weatherTool, timeTool], stream: true });
    const events: any[] = [];
    for await (const ev of stream) events.push(ev);
    const seq = events.filter((e) => e.type.startsWith('response.output_item') || e.type.startsWith('response.function_call')).map((e) => `${e.type}:${e.output_index}`);
    expect(seq).toEqual([
      'response.output_item.added:0',
      'response.function_call_arguments.delta:0',
      'response.function_call_arguments.delta:0',
      'response.function_call_arguments.done:0',
      'response.output_item.done:0',
      'response.output_item.added:1',
      'response.function_call_arguments.delta:1',
      'response.function_call_arguments.done:1',
      'response.output_item.done:1',
    ]);
    const final = events.at(-1).response;
    expect(final.output.map((o: any) => [o.call_id, o.arguments])).toEqual([
      ['call_1', '{"city":"Paris"}'],
      ['call_2', '{"city":"Rome"}'],
    ]);
  });

  it('puts text that precedes tool calls in its own message item first', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, toolCallChunks([{ id: 'call_x', name: 'get_weather', args: ['{"city":"Oslo"}'] }], 'Let me check.')));
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'Oslo?', tools: [weatherTool] });
    expect(r.output.map((o) => o.type)).toEqual(['message', 'function_call']);
    expect(r.output_text).toBe('Let me check.');
  });

  it.each([
    [{ tool_choice: { type: 'function', name: 'nope' }, tools: [weatherTool] }, 'tool_choice'],
    [{ tool_choice: { type: 'function', name: 'get_weather' } }, 'tool_choice'],
    [{ tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'nope' }] }, tools: [weatherTool] }, 'tool_choice'],
    [{ tools: [{ ...weatherTool, name: 'mcp__srv__x' }] }, 'tools[0].name'],
    [{ tools: [weatherTool, weatherTool] }, 'tools[1].name'],
    [{ tools: [{ ...weatherTool, parameters: { type: 'object', properties: 'nope' } }] }, 'tools[0].parameters'],
    [{ tools: [{ ...weatherTool, parameters: { type: 'wizard' } }] }, 'tools[0].parameters'],
    [{ input: [{ type: 'function_call_output', call_id: 'ghost', output: 'x' }] }, 'input[0]'],
  ])('rejects %j with 400 naming %s', async (extra, param) => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', input: 'hi', ...extra }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.param).toBe(param);
  });

  it('rejects a function_call without its output followed by more conversation', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fake-model',
        input: [
          { role: 'user', content: 'a' },
          { type: 'function_call', call_id: 'c9', name: 'get_weather', arguments: '{}' },
          { role: 'user', content: 'b' },
        ],
        tools: [weatherTool],
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/No tool output found for function call c9/);
  });
});
