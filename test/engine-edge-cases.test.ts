import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeInterpreterClient } from '../src/tools/code-interpreter/client.js';
import { createCodeInterpreterTool } from '../src/tools/code-interpreter/tool.js';
import { chunk, sendSse, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors } from './support/schemas.js';

/**
 * Engine edge cases that real models and real clients produce: content interleaved with a
 * call's argument deltas, calls skipped by max_tool_calls, tool runs whose client left.
 */
const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

/** A code interpreter whose runs the test controls (no Pyodide needed). */
let execute: CodeInterpreterClient['execute'] = async () => ({ status: 'success', stdout: 'ran', stderr: '', result: null, execution_time_ms: 1 }) as any;
const fakeInterpreter: CodeInterpreterClient = { execute: (code: string, opts?: { signal?: AbortSignal }) => execute(code, opts), health: async () => ({}), containerExists: async () => true } as any;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true, tools: [createCodeInterpreterTool(fakeInterpreter)] });
});
afterAll(async () => {
  await gw.close();
});

async function collect(stream: AsyncIterable<any>): Promise<any[]> {
  const out: any[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

/** Text and reasoning deltas arriving between one call's argument deltas (models do this). */
function interleavedChunks(): Record<string, unknown>[] {
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"ci' } }] }),
    chunk({ content: 'Let me check. ' }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"R' } }] }),
    chunk({ reasoning_content: 'thinking…' }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: 'ome"}' } }] }),
    chunk({ content: 'Done.' }),
    chunk({}, 'tool_calls'),
    usageChunk(20, 10),
  ];
}

describe('content interleaved with tool-call argument deltas', () => {
  it('never cuts the call’s arguments (JSON)', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, interleavedChunks()));
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'weather?', tools: [weatherTool] });
    const call = r.output.find((o) => o.type === 'function_call') as any;
    expect(call.arguments).toBe('{"city":"Rome"}');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Rome' });
    // Nothing the model wrote is lost either: the interleaved content follows the call.
    expect(r.output_text).toBe('Let me check. Done.');
    expect(r.output.find((o) => o.type === 'reasoning')).toMatchObject({ content: [{ type: 'reasoning_text', text: 'thinking…' }] });
  });

  it('never cuts the call’s arguments (stream), with a valid event grammar', async () => {
    gw.upstream.setChatHandler((_req, res) => sendSse(res, interleavedChunks()));
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: 'weather?', tools: [weatherTool], stream: true }));
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta).join('');
    expect(deltas).toBe('{"city":"Rome"}');
    const done = events.find((e) => e.type === 'response.function_call_arguments.done');
    expect(done.arguments).toBe('{"city":"Rome"}');
    // Items never overlap: each item's added … done closes before the next item is added.
    let open: number | null = null;
    for (const e of events) {
      if (e.type === 'response.output_item.added') {
        expect(open).toBeNull();
        open = e.output_index;
      }
      if (e.type === 'response.output_item.done') {
        expect(e.output_index).toBe(open);
        open = null;
      }
    }
    const final = events.at(-1).response;
    expect(final.output.find((o: any) => o.type === 'function_call').arguments).toBe('{"city":"Rome"}');
  });
});

/** One turn asking for two code_interpreter runs at once. */
function twoCodeCalls(): Record<string, unknown>[] {
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'code_interpreter', arguments: '{"code":"print(1)"}' } }] }),
    chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'code_interpreter', arguments: '{"code":"print(2)"}' } }] }),
    chunk({}, 'tool_calls'),
  ];
}

describe('max_tool_calls', () => {
  it('tells the model a skipped call was not run, and why', async () => {
    gw.upstream.setChatHandler((req: RecordedRequest, res) => {
      if (!req.body.messages.some((m: any) => m.role === 'tool')) return sendSse(res, twoCodeCalls());
      return sendSse(res, [chunk({ content: 'final' }), chunk({}, 'stop')]);
    });
    const before = gw.upstream.requests.length;
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'two', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], max_tool_calls: 1 });
    expect(r.status).toBe('completed');
    const calls = r.output.filter((o) => o.type === 'code_interpreter_call') as any[];
    expect(calls.map((c) => c.status)).toEqual(['completed', 'incomplete']);
    const second = gw.upstream.requests.slice(before)[1]!.body.messages as any[];
    const toolMessages = second.filter((m) => m.role === 'tool');
    expect(toolMessages).toHaveLength(2);
    expect(toolMessages[0].content).toContain('ran');
    expect(toolMessages[1].content).toMatch(/not run/);
    expect(toolMessages[1].content).toMatch(/max_tool_calls/);
    // A continuation replays the stored skipped call the same way: never as if it had run.
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]));
    await gw.client.responses.create({ model: 'fake-model', input: 'and?', previous_response_id: r.id });
    const replayed = (gw.upstream.requests.at(-1)!.body.messages as any[]).filter((m) => m.role === 'tool');
    expect(replayed[1].content).toMatch(/not run/);
    expect(replayed[1].content).not.toMatch(/ran and printed nothing/);
  });
});

describe('tool runs whose client leaves', () => {
  it('leave no unhandled rejection behind', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let finished!: () => void;
    const ended = new Promise<void>((r) => (finished = r));
    execute = (_code, opts) =>
      new Promise((_resolve, reject) => {
        started();
        opts?.signal?.addEventListener('abort', () => {
          setTimeout(() => {
            reject(new Error('run aborted'));
            finished();
          }, 20);
        });
      });
    try {
      gw.upstream.setChatHandler((_req, res) => sendSse(res, twoCodeCalls()));
      const controller = new AbortController();
      const res = await fetch(`${gw.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake-model', input: 'x', stream: true, tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      reader.read().catch(() => {}); // the test aborts this read itself
      await running;
      controller.abort();
      await ended;
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
      // The gateway keeps serving.
      gw.upstream.setChatHandler((_req, r2) => sendSse(r2, [chunk({ content: 'alive' }), chunk({}, 'stop')]));
      expect((await gw.client.responses.create({ model: 'fake-model', input: 'still there?' })).output_text).toBe('alive');
    } finally {
      process.off('unhandledRejection', onRejection);
      execute = async () => ({ status: 'success', stdout: 'ran', stderr: '', result: null, execution_time_ms: 1 }) as any;
    }
  });
});
