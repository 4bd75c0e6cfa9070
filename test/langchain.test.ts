import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chunk, sendSse, textChunks, usageChunk } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * LangChain JS (`@langchain/openai` with `useResponsesApi: true`). Its zod 4 schemas become JSON
 * Schemas that declare `"$schema": "https://json-schema.org/draft/2020-12/schema"`: they must be
 * accepted (a 500 here makes LangChain retry with backoff).
 */
let gw: TestGateway;
let model: ChatOpenAI;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
  model = new ChatOpenAI({ model: 'fake-model', useResponsesApi: true, apiKey: 'test-key', maxRetries: 0, configuration: { baseURL: `${gw.url}/v1` } });
});
afterAll(async () => {
  await gw.close();
});

function lastChatBody(): any {
  return gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
}

describe('LangChain JS (Responses API)', () => {
  it('bindTools with a zod 4 tool: the call comes back as a LangChain tool call', async () => {
    gw.upstream.setChatHandler(async (_req, res) => {
      await sendSse(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_lc1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"c"}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(10, 5),
      ]);
    });
    const getWeather = tool(async ({ city }) => `sunny in ${city}`, {
      name: 'get_weather',
      description: 'Weather for a city',
      schema: z.object({ city: z.string().describe('the city'), unit: z.enum(['c', 'f']).optional() }),
    });
    const msg = await model.bindTools([getWeather]).invoke('Weather in Paris?');
    expect(msg.tool_calls).toEqual([expect.objectContaining({ name: 'get_weather', args: { city: 'Paris', unit: 'c' }, id: 'call_lc1' })]);
    const sentTool = lastChatBody().tools[0].function;
    expect(sentTool.name).toBe('get_weather');
    expect(sentTool.parameters.properties.city.type).toBe('string');
    // The case this pins: zod 4 declares draft 2020-12.
    expect(sentTool.parameters.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('withStructuredOutput(zod) returns the parsed object', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['{"name":"Ada",', '"age":36}'])));
    const person = z.object({ name: z.string(), age: z.number().int() });
    const out = await model.withStructuredOutput(person, { name: 'person' }).invoke('Who?');
    expect(out).toEqual({ name: 'Ada', age: 36 });
    const format = lastChatBody().response_format;
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.schema.properties.age.type).toBe('integer');
  });

  it('streams text', async () => {
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['Hel', 'lo'])));
    let text = '';
    for await (const c of await model.stream('hi')) text += typeof c.content === 'string' ? c.content : c.content.map((p: any) => p.text ?? '').join('');
    expect(text).toBe('Hello');
  });
});
