import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { chunk, sendSse, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, responseSpecErrors } from './support/schemas.js';

let helper: CodeInterpreterServer;
let gw: TestGateway;

beforeAll(async () => {
  helper = await startCodeInterpreterServer({ host: '127.0.0.1', port: 0, workers: 0, timeoutMs: 10_000 });
  gw = await startTestGateway({ sqliteStore: true, codeInterpreterUrl: `http://127.0.0.1:${helper.port}` });
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await helper?.close();
});

/** vLLM-style streamed call of the model-facing `code_interpreter(code)` function. */
function codeCallChunks(code: string, callId = 'call_ci1', pieces = 4): Record<string, unknown>[] {
  const args = JSON.stringify({ code });
  const size = Math.ceil(args.length / pieces);
  const out: Record<string, unknown>[] = [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: 'code_interpreter', arguments: '' } }] }),
  ];
  for (let i = 0; i < args.length; i += size) out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + size) } }] }));
  out.push(chunk({}, 'tool_calls'), usageChunk(40, 20));
  return out;
}

/** Turn 1 runs `code`; every later turn answers with the tool output it was given. */
function scriptCodeThenAnswer(code: string) {
  gw.upstream.setChatHandler(async (req: RecordedRequest, res) => {
    const messages: any[] = req.body.messages;
    const tool = [...messages].reverse().find((m) => m.role === 'tool');
    if (!tool) return sendSse(res, codeCallChunks(code));
    return sendSse(res, [chunk({ content: `Result: ${tool.content}` }), chunk({}, 'stop'), usageChunk(80, 6)]);
  });
}

async function collect(stream: AsyncIterable<any>): Promise<any[]> {
  const out: any[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

describe('code_interpreter through the gateway', () => {
  it('streams the container a request names in output_item.added, the same id as the final item', async () => {
    scriptCodeThenAnswer('print(1)');
    const events = await collect(
      await gw.client.responses.create({ model: 'fake-model', input: 'one', tools: [{ type: 'code_interpreter', container: 'cntr_named' }], stream: true }),
    );
    const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'code_interpreter_call');
    expect(added.item.container_id).toBe('cntr_named');
    expect(events.at(-1).response.output[0].container_id).toBe('cntr_named');
  });

  it('shows the model a code_interpreter function and runs its call in the same request (streaming)', async () => {
    scriptCodeThenAnswer('import math\nprint(round(math.sqrt(2), 4))');
    const events = await collect(
      await gw.client.responses.create({ model: 'fake-model', input: 'sqrt 2?', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], stream: true }),
    );
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    const ciTypes = types.filter((t) => t.includes('code_interpreter') || t.startsWith('response.output_item'));
    expect(ciTypes.slice(0, 2)).toEqual(['response.output_item.added', 'response.code_interpreter_call.in_progress']);
    const firstDone = types.indexOf('response.output_item.done');
    expect(types.slice(types.indexOf('response.code_interpreter_call_code.done'), firstDone + 1)).toEqual([
      'response.code_interpreter_call_code.done',
      'response.code_interpreter_call.interpreting',
      'response.code_interpreter_call.completed',
      'response.output_item.done',
    ]);
    const codeDeltas = events.filter((e) => e.type === 'response.code_interpreter_call_code.delta').map((e) => e.delta);
    expect(codeDeltas.length).toBeGreaterThan(1);
    expect(codeDeltas.join('')).toBe('import math\nprint(round(math.sqrt(2), 4))');
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    events.forEach((e, i) => expect(e.sequence_number).toBe(i));

    const final = events.at(-1).response;
    expect(final.status).toBe('completed');
    expect(final.output.map((o: any) => o.type)).toEqual(['code_interpreter_call', 'message']);
    expect(final.output[0]).toMatchObject({ status: 'completed', code: 'import math\nprint(round(math.sqrt(2), 4))', outputs: null });
    expect(final.output[0].id).toMatch(/^ci_/);
    expect(final.output[0].container_id).toMatch(/^cntr_/);
    expect(final.output[1].content[0].text).toBe('Result: 1.4142');

    // What the upstream saw: the function definition, then the call and its output on turn 2.
    const turns = gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').slice(-2);
    expect(turns[0]!.body.tools.map((t: any) => t.function.name)).toEqual(['code_interpreter']);
    const m = turns[1]!.body.messages;
    expect(m.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'code_interpreter', arguments: JSON.stringify({ code: 'import math\nprint(round(math.sqrt(2), 4))' }) } }] });
    expect(m.at(-1)).toMatchObject({ role: 'tool', content: '1.4142' });
    // usage adds up over both turns
    expect(final.usage.input_tokens).toBe(120);
  });

  it('returns outputs only with include, and replays the call on continuation', async () => {
    scriptCodeThenAnswer('print("hi")\n6*7');
    const r1 = await gw.client.responses.create({
      model: 'fake-model',
      input: 'compute',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      include: ['code_interpreter_call.outputs'],
    });
    expect(responseSpecErrors(r1)).toEqual([]);
    expect(r1.output[0]).toMatchObject({ type: 'code_interpreter_call', outputs: [{ type: 'logs', logs: 'hi\n42' }] });
    expect((await gw.client.responses.retrieve(r1.id)).output[0]).toMatchObject({ outputs: [{ type: 'logs', logs: 'hi\n42' }] });

    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]));
    await gw.client.responses.create({ model: 'fake-model', input: 'and?', previous_response_id: r1.id });
    const m = gw.upstream.requests.at(-1)!.body.messages;
    expect(m.map((x: any) => x.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
    expect(m[1].tool_calls[0].function.name).toBe('code_interpreter');
    expect(m[2].content).toBe('hi\n42');
    // Tools are inherited, so the model still sees code_interpreter.
    expect(gw.upstream.requests.at(-1)!.body.tools[0].function.name).toBe('code_interpreter');
  });

  it('returns PNG images made with display_png as image outputs (pure standard-library PNG)', async () => {
    const code = [
      'import struct, zlib',
      'def chunk(kind, data):',
      '    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)',
      'raw = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 4 for _ in range(4))',
      'png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")',
      'display_png(png)',
      'print("drawn")',
    ].join('\n');
    scriptCodeThenAnswer(code);
    const r = await gw.client.responses.create({
      model: 'fake-model',
      input: 'draw',
      tools: [{ type: 'code_interpreter', container: { type: 'auto' } }],
      include: ['code_interpreter_call.outputs'],
    });
    const outputs = (r.output[0] as any).outputs;
    expect(outputs[0]).toEqual({ type: 'logs', logs: 'drawn' });
    expect(outputs[1].type).toBe('image');
    expect(outputs[1].url).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(outputs[1].url.split(',')[1], 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // The model is told an image was produced.
    expect(gw.upstream.requests.at(-1)!.body.messages.at(-1).content).toBe('drawn\n[1 image produced]');
  });

  it('reports a Python exception to the model and still completes', async () => {
    scriptCodeThenAnswer('1/0');
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'divide', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], include: ['code_interpreter_call.outputs'] });
    expect(r.status).toBe('completed');
    const ci = r.output[0] as any;
    expect(ci.status).toBe('completed');
    expect(ci.outputs[0].logs).toMatch(/ZeroDivisionError/);
    expect(r.output_text).toMatch(/ZeroDivisionError/);
  });

  it.each([
    [1, 1],
    [2, 2],
  ])('honours max_tool_calls=%i (then answers without gateway tools)', async (max, expectedRuns) => {
    // A model that always wants to run more code while it still has the tool.
    gw.upstream.setChatHandler(async (req, res) => {
      const hasTool = (req.body.tools ?? []).some((t: any) => t.function.name === 'code_interpreter');
      if (hasTool) return sendSse(res, codeCallChunks('print(1)', `call_${Math.random()}`));
      return sendSse(res, [chunk({ content: 'final' }), chunk({}, 'stop')]);
    });
    const before = gw.upstream.requests.length;
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'loop', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], max_tool_calls: max });
    expect(r.status).toBe('completed');
    expect(r.output.filter((o) => o.type === 'code_interpreter_call')).toHaveLength(expectedRuns);
    expect(r.output_text).toBe('final');
    const turns = gw.upstream.requests.slice(before);
    expect(turns).toHaveLength(expectedRuns + 1);
    expect(turns.at(-1)!.body.tools).toBeUndefined();
  });

  it('forces the tool with tool_choice {type: code_interpreter}, once', async () => {
    scriptCodeThenAnswer('print(5)');
    const before = gw.upstream.requests.length;
    await gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], tool_choice: { type: 'code_interpreter' } } as any);
    const turns = gw.upstream.requests.slice(before);
    expect(turns[0]!.body.tool_choice).toEqual({ type: 'function', function: { name: 'code_interpreter' } });
    expect(turns[1]!.body.tool_choice).toBe('auto');
  });

  it('runs code interpreter calls mixed with a client function call, then ends for the client', async () => {
    const fn = { type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: {}, additionalProperties: false }, strict: true, description: null };
    gw.upstream.setChatHandler((_req, res) =>
      sendSse(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_code', type: 'function', function: { name: 'code_interpreter', arguments: '{"code":"print(2)"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_fn', type: 'function', function: { name: 'lookup', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    );
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'both', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }, fn] });
    expect(r.status).toBe('completed');
    expect(r.output.map((o) => o.type)).toEqual(['code_interpreter_call', 'function_call']);
    expect((r.output[0] as any).status).toBe('completed');

    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'thanks' }), chunk({}, 'stop')]));
    await gw.client.responses.create({ model: 'fake-model', previous_response_id: r.id, input: [{ type: 'function_call_output', call_id: 'call_fn', output: 'found' }] });
    const m = gw.upstream.requests.at(-1)!.body.messages;
    expect(m.map((x: any) => x.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(m[1].tool_calls.map((c: any) => c.function.name)).toEqual(['code_interpreter', 'lookup']);
  });

  it('rejects code_interpreter with 400 when the gateway has it disabled (VR_UNAVAILABLE_BUILTIN_TOOLS=reject)', async () => {
    const off = await startTestGateway({ env: { unavailableBuiltinTools: 'reject' } });
    try {
      const res = await fetch(`${off.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error.param).toBe('tools[0].type');
      expect(body.error.message).toMatch(/code_interpreter/);
    } finally {
      await off.close();
    }
  });
});
