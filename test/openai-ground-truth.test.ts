import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { cassette, collapseDeltas, groundTruthTypes, recordedEvents } from './support/cassettes.js';
import { chunk, sendSse, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The same requests OpenAI's hosted API answered in the recordings, sent through the gateway
 * (with a scripted model that makes the same decisions), must produce the same event grammar
 * and the same item shapes.
 */
let helper: CodeInterpreterServer;
let gw: TestGateway;

beforeAll(async () => {
  helper = await startCodeInterpreterServer({ host: '127.0.0.1', port: 0, workers: 0 });
  gw = await startTestGateway({ sqliteStore: true, codeInterpreterUrl: `http://127.0.0.1:${helper.port}` });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await helper?.close();
});

async function streamOf(body: Record<string, unknown>): Promise<any[]> {
  const events: any[] = [];
  const stream = (await gw.client.responses.create({ ...body, stream: true } as any)) as unknown as AsyncIterable<any>;
  for await (const ev of stream) events.push(ev);
  return events;
}

/** Keys of each item as the done events carry them, by item type. */
function itemKeys(events: any[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) if (e.type === 'response.output_item.done') out[e.item.type] = Object.keys(e.item).sort();
  return out;
}

function toolCallTurn(name: string, args: string): Record<string, unknown>[] {
  const half = Math.ceil(args.length / 2);
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: 'call_gt', type: 'function', function: { name, arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(50, 10),
  ];
}

describe('event grammar and item shapes match OpenAI’s recordings', () => {
  it.each(['tool-function-stream.yaml', 'tool-function-tool_loop-step1-stream.yaml'])('function call: %s', async (file) => {
    const path = `openai_responses/${file}`;
    const recorded = recordedEvents(path);
    const call = recorded.find((e) => e.type === 'response.output_item.done' && e.item.type === 'function_call').item;
    gw.upstream.setChatHandler((_req, res) => sendSse(res, toolCallTurn(call.name, call.arguments)));
    const body = cassette(path).request.body;
    const events = await streamOf({ ...body, tools: body.tools.filter((t: any) => t.type === 'function'), reasoning: undefined, include: undefined });
    expect(collapseDeltas(events.map((e) => e.type))).toEqual(collapseDeltas(groundTruthTypes(path)));
    const fc = events.find((e) => e.type === 'response.output_item.done').item;
    expect(Object.keys(fc).sort()).toEqual(Object.keys(call).sort());
    expect(fc).toMatchObject({ name: call.name, arguments: call.arguments, call_id: 'call_gt', status: 'completed' });
  });

  it('function loop step 2 (tools omitted, inherited): text answer grammar', async () => {
    const path = 'openai_responses/tool-function-tool_loop-step2-omit-tools-stream.yaml';
    gw.upstream.setChatHandler((_req, res) => sendSse(res, toolCallTurn('get_weather', '{"city":"Paris"}')));
    const tools = [{ type: 'function', name: 'get_weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true }];
    const first = await gw.client.responses.create({ model: 'fake-model', input: 'Weather in Paris?', tools } as any);
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Sunny' }), chunk({ content: '.' }), chunk({}, 'stop')]));
    const events = await streamOf({ model: 'fake-model', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_gt', output: '{"temp":20}' }] });
    expect(collapseDeltas(events.map((e) => e.type))).toEqual(collapseDeltas(groundTruthTypes(path)));
    const recordedMessage = recordedEvents(path).find((e) => e.type === 'response.output_item.done' && e.item.type === 'message').item;
    expect(itemKeys(events).message).toEqual(Object.keys(recordedMessage).sort());
  });

  it.each(['builtin-tool-code_interpreter-stream.yaml', 'builtin-tool-code_interpreter-outputs-multi-stream.yaml'])('code interpreter: %s', async (file) => {
    const path = `openai_responses/${file}`;
    const recorded = recordedEvents(path);
    const ci = recorded.find((e) => e.type === 'response.output_item.done' && e.item.type === 'code_interpreter_call').item;
    const finalText = recorded.find((e) => e.type === 'response.output_text.done').text as string;
    gw.upstream.setChatHandler((req: RecordedRequest, res) => {
      const answered = (req.body.messages as any[]).some((m) => m.role === 'tool');
      if (!answered) return sendSse(res, toolCallTurn('code_interpreter', JSON.stringify({ code: ci.code })));
      const pieces = [finalText.slice(0, 5), finalText.slice(5)].filter(Boolean);
      return sendSse(res, [chunk({ role: 'assistant', content: '' }), ...pieces.map((p) => chunk({ content: p })), chunk({}, 'stop')]);
    });
    const body = cassette(path).request.body;
    const events = await streamOf({ ...body, model: 'fake-model', reasoning: undefined });
    const ours = collapseDeltas(events.map((e) => e.type));
    // Our model only emits text deltas when it has text; OpenAI's recording may show none.
    expect(ours.filter((t) => t !== 'response.output_text.delta')).toEqual(collapseDeltas(groundTruthTypes(path)).filter((t) => t !== 'response.output_text.delta'));
    expect(itemKeys(events).code_interpreter_call).toEqual(Object.keys(ci).sort());
    const done = events.find((e) => e.type === 'response.output_item.done' && e.item.type === 'code_interpreter_call').item;
    expect(done.code).toBe(ci.code);
    // outputs follow include, as in the recording
    expect(done.outputs === null).toBe(ci.outputs === null);
  });
});
