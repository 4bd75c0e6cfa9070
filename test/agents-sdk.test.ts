import { Agent, OpenAIResponsesModel, OpenAIResponsesWSModel, run, setTracingDisabled, tool } from '@openai/agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { WebSocket as WsWebSocket } from 'ws';
import { startTestGateway, type TestGateway } from './support/gateway.js';

// The Agents SDK exports traces to OpenAI by default: tests never leave loopback.
setTracingDisabled(true);
// Its WebSocket transport uses the global WebSocket (Node 22+); on Node 20 the `ws` package stands in.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WsWebSocket;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
});
afterAll(async () => {
  await gw.close();
});

/** A scripted model: call get_weather first, then answer from the tool's result. */
function scriptedWeatherModel() {
  gw.upstream.setChatHandler(async (req: RecordedRequest, res) => {
    const messages: any[] = req.body.messages;
    const toolMsg = messages.find((m) => m.role === 'tool');
    if (!toolMsg) {
      await sendSse(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Tokyo"}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(40, 10),
      ]);
      return;
    }
    await sendSse(res, [chunk({ content: `The weather: ${toolMsg.content}` }), chunk({}, 'stop'), usageChunk(60, 8)]);
  });
}

/** The get_weather function tool; every city it is asked about is pushed to `calls`. */
function weatherTool(calls: string[] = []) {
  return tool({
    name: 'get_weather',
    description: 'Get the weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    strict: true,
    execute: async (input: any) => {
      calls.push(input.city);
      return `sunny in ${input.city}`;
    },
  });
}

/** Runs the agent on the weather question, draining the event stream like a UI when `stream`. */
async function ask(agent: Agent, stream: boolean): Promise<unknown> {
  if (!stream) return (await run(agent, 'Weather in Tokyo?')).finalOutput;
  const result = await run(agent, 'Weather in Tokyo?', { stream: true });
  for await (const _ev of result) {
    // drain the event stream like a UI would
  }
  await result.completed;
  return result.finalOutput;
}

describe('OpenAI Agents SDK against the gateway', () => {
  it.each([false, true])('runs a function-tool agent loop unchanged (stream=%s)', async (stream) => {
    scriptedWeatherModel();
    const calls: string[] = [];
    const agent = new Agent({
      name: 'weather',
      instructions: 'Answer weather questions using the tool.',
      tools: [weatherTool(calls)],
      model: new OpenAIResponsesModel(gw.client as any, 'fake-model'),
    });
    const before = gw.upstream.requests.length;
    const finalOutput = await ask(agent, stream);
    expect(calls).toEqual(['Tokyo']);
    expect(finalOutput).toBe('The weather: sunny in Tokyo');
    const upstreamCalls = gw.upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
    expect(upstreamCalls).toHaveLength(2);
    const second = upstreamCalls[1]!.body.messages;
    expect(second[0]).toEqual({ role: 'system', content: 'Answer weather questions using the tool.' });
    expect(second.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } }] });
    expect(second.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1', content: 'sunny in Tokyo' });
  });

  it.each([false, true])('runs the same loop over WebSocket mode with OpenAIResponsesWSModel (stream=%s)', async (stream) => {
    scriptedWeatherModel();
    const model = new OpenAIResponsesWSModel(gw.client as any, 'fake-model');
    const agent = new Agent({ name: 'weather', instructions: 'Answer weather questions using the tool.', tools: [weatherTool()], model });
    const before = gw.upstream.requests.length;
    try {
      const finalOutput = await ask(agent, stream);
      expect(finalOutput).toBe('The weather: sunny in Tokyo');
      const upstreamCalls = gw.upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
      expect(upstreamCalls).toHaveLength(2);
      expect(upstreamCalls[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w1', content: 'sunny in Tokyo' });
    } finally {
      await model.close();
    }
  });
});
