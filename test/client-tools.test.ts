import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, textChunks, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * Client-executed tool types beyond functions (`namespace`, `custom`, `local_shell`, `shell`,
 * `apply_patch`): the model sees functions, the client sees its own item types, and the items
 * it sends back reach the model as the calls and results it made.
 */
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
});
afterAll(async () => {
  await gw.close();
});

function lastChat(): RecordedRequest {
  return gw.upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
}

/** The model calls `name` with `args` (streamed in two pieces). */
function modelCalls(name: string, args: string, callId = 'call_1'): void {
  gw.upstream.setChatHandler(async (_req, res) => {
    await sendSse(res, [
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name, arguments: args.slice(0, 7) } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(7) } }] }),
      chunk({}, 'tool_calls'),
      usageChunk(10, 5),
    ]);
  });
}

const GRAMMAR = 'start: "add " NUMBER\n%import common.NUMBER';

describe('custom tools', () => {
  it('are a one-string function for the model; the client gets custom_tool_call with input deltas', async () => {
    modelCalls('calc', JSON.stringify({ input: 'add 41' }));
    const tools = [{ type: 'custom' as const, name: 'calc', description: 'A calculator', format: { type: 'grammar' as const, syntax: 'lark' as const, definition: GRAMMAR } }];
    const events: any[] = [];
    for await (const ev of await gw.client.responses.create({ model: 'm', input: 'add', tools, stream: true })) events.push(ev);
    const fn = lastChat().body.tools[0].function;
    expect(fn.name).toBe('calc');
    expect(fn.parameters).toMatchObject({ type: 'object', required: ['input'] });
    expect(fn.description).toContain('A calculator');
    expect(fn.description).toContain(GRAMMAR);
    const deltas = events.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe('add 41');
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.done').input).toBe('add 41');
    const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
    expect(done).toEqual([expect.objectContaining({ type: 'custom_tool_call', call_id: 'call_1', name: 'calc', input: 'add 41', status: 'completed' })]);
    const final = events.at(-1).response;
    expect(final.status).toBe('completed');
    expect(final.tools[0]).toMatchObject({ type: 'custom', name: 'calc' });

    // The client answers with custom_tool_call_output on a continuation.
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['42'])));
    const next = await gw.client.responses.create({ model: 'm', previous_response_id: final.id, input: [{ type: 'custom_tool_call_output', call_id: 'call_1', output: '42' }] as any });
    expect(next.output_text).toBe('42');
    const msgs = lastChat().body.messages;
    expect(msgs.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_1', function: { name: 'calc', arguments: '{"input":"add 41"}' } }] });
    expect(msgs.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: '42' });
  });

  it('a custom call without its output is a 400, as for functions', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: [{ type: 'custom_tool_call', call_id: 'c9', name: 'calc', input: 'x' }], tools: [{ type: 'custom', name: 'calc' }] }),
    });
    expect(res.status).toBe(400);
  });
});

describe('namespace tools', () => {
  it('are flattened to <namespace>__<name> for the model and mapped back for the client', async () => {
    modelCalls('agents__spawn', '{"task":"lint"}');
    const tools = [
      {
        type: 'namespace',
        name: 'agents',
        description: 'Sub-agents',
        tools: [
          { type: 'function', name: 'spawn', parameters: { type: 'object', properties: { task: { type: 'string' } } } },
          { type: 'function', name: 'close', parameters: { type: 'object', properties: {} } },
        ],
      },
    ];
    const r = await gw.client.responses.create({ model: 'm', input: 'go', tools: tools as any });
    expect(lastChat().body.tools.map((t: any) => t.function.name)).toEqual(['agents__spawn', 'agents__close']);
    expect(r.output).toEqual([expect.objectContaining({ type: 'function_call', name: 'spawn', namespace: 'agents', arguments: '{"task":"lint"}' })]);
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['spawned'])));
    await gw.client.responses.create({ model: 'm', previous_response_id: r.id, input: [{ type: 'function_call_output', call_id: 'call_1', output: 'ok' }] });
    expect(lastChat().body.messages.at(-2).tool_calls[0].function.name).toBe('agents__spawn');
  });

  it('a name collision with a function is a 400', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'm',
        input: 'x',
        tools: [{ type: 'function', name: 'ns__f' }, { type: 'namespace', name: 'ns', description: 'd', tools: [{ type: 'function', name: 'f' }] }],
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('duplicate_value');
  });
});

describe('shell, local_shell and apply_patch', () => {
  it('shell: the client receives shell_call and answers with shell_call_output', async () => {
    modelCalls('shell', JSON.stringify({ commands: ['ls -la', 'pwd'], timeout_ms: 5000 }), 'call_sh');
    const r = await gw.client.responses.create({ model: 'm', input: 'list', tools: [{ type: 'shell' }] as any });
    expect(r.output[0]).toMatchObject({ type: 'shell_call', call_id: 'call_sh', action: { commands: ['ls -la', 'pwd'], timeout_ms: 5000 }, status: 'completed' });
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['listed'])));
    await gw.client.responses.create({
      model: 'm',
      previous_response_id: r.id,
      input: [{ type: 'shell_call_output', call_id: 'call_sh', output: [{ stdout: 'a.txt\n', stderr: '', outcome: { type: 'exit', exit_code: 0 } }] }] as any,
    });
    const msgs = lastChat().body.messages;
    expect(msgs.at(-2).tool_calls[0].function).toMatchObject({ name: 'shell' });
    expect(msgs.at(-1).content).toContain('a.txt');
    expect(msgs.at(-1).content).toContain('exit code 0');
  });

  it('local_shell: local_shell_call / local_shell_call_output', async () => {
    modelCalls('local_shell', JSON.stringify({ command: ['echo', 'hi'], workdir: '/tmp' }), 'call_ls');
    const r = await gw.client.responses.create({ model: 'm', input: 'say hi', tools: [{ type: 'local_shell' }] as any });
    expect(r.output[0]).toMatchObject({ type: 'local_shell_call', call_id: 'call_ls', action: { type: 'exec', command: ['echo', 'hi'], working_directory: '/tmp' } });
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['ok'])));
    await gw.client.responses.create({ model: 'm', previous_response_id: r.id, input: [{ type: 'local_shell_call_output', id: 'call_ls', output: 'hi\n' }] as any });
    expect(lastChat().body.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_ls', content: 'hi\n' });
  });

  it('apply_patch: apply_patch_call / apply_patch_call_output, forced with tool_choice', async () => {
    const op = { type: 'update_file', path: 'a.py', diff: '@@\n-x = 1\n+x = 2\n' };
    modelCalls('apply_patch', JSON.stringify({ operation: op }), 'call_ap');
    const r = await gw.client.responses.create({ model: 'm', input: 'fix', tools: [{ type: 'apply_patch' }] as any, tool_choice: { type: 'apply_patch' } as any });
    expect(lastChat().body.tool_choice).toEqual({ type: 'function', function: { name: 'apply_patch' } });
    expect(r.output[0]).toMatchObject({ type: 'apply_patch_call', call_id: 'call_ap', operation: op });
    gw.upstream.setChatHandler(async (_req, res) => sendSse(res, textChunks(['patched'])));
    await gw.client.responses.create({ model: 'm', previous_response_id: r.id, input: [{ type: 'apply_patch_call_output', call_id: 'call_ap', status: 'completed', output: 'Done' }] as any });
    expect(lastChat().body.messages.at(-1).content).toContain('Done');
  });
});

describe('custom tools against a native Responses upstream', () => {
  it('are sent as they are; the upstream custom_tool_call streams to the client and replays as itself', async () => {
    const native = await startTestGateway({ sqliteStore: true, serve: { upstreamApiKind: 'responses' } });
    try {
      const sse = (events: Record<string, unknown>[]) => events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
      const requests: any[] = [];
      native.upstream.setResponsesHandler((req, res) => {
        requests.push(req.body);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        if (requests.length === 1) {
          res.end(
            sse([
              { type: 'response.created', response: { id: 'up_1', status: 'in_progress' } },
              { type: 'response.output_item.added', output_index: 0, item: { type: 'custom_tool_call', id: 'ctc_up', call_id: 'call_c1', name: 'calc', input: '' } },
              { type: 'response.custom_tool_call_input.delta', output_index: 0, item_id: 'ctc_up', delta: 'add "4' },
              { type: 'response.custom_tool_call_input.delta', output_index: 0, item_id: 'ctc_up', delta: '1"\n' },
              { type: 'response.output_item.done', output_index: 0, item: { type: 'custom_tool_call', id: 'ctc_up', call_id: 'call_c1', name: 'calc', input: 'add "41"\n' } },
              { type: 'response.completed', response: { id: 'up_1', status: 'completed', usage: { input_tokens: 5, output_tokens: 3 } } },
            ]),
          );
          return;
        }
        res.end(
          sse([
            { type: 'response.output_item.added', output_index: 0, item: { type: 'message', id: 'm', role: 'assistant', content: [] } },
            { type: 'response.output_text.delta', output_index: 0, content_index: 0, item_id: 'm', delta: '42' },
            { type: 'response.completed', response: { id: 'up_2', status: 'completed' } },
          ]),
        );
      });
      const tools = [{ type: 'custom' as const, name: 'calc', description: 'A calculator', format: { type: 'grammar' as const, syntax: 'lark' as const, definition: GRAMMAR } }];
      const events: any[] = [];
      for await (const ev of await native.client.responses.create({ model: 'm', input: 'add', tools, stream: true })) events.push(ev);
      expect(requests[0].tools).toEqual([{ type: 'custom', name: 'calc', description: 'A calculator', format: { type: 'grammar', syntax: 'lark', definition: GRAMMAR } }]);
      expect(events.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta).join('')).toBe('add "41"\n');
      const final = events.at(-1).response;
      expect(final.output[0]).toMatchObject({ type: 'custom_tool_call', call_id: 'call_c1', name: 'calc', input: 'add "41"\n' });
      const next = await native.client.responses.create({ model: 'm', previous_response_id: final.id, input: [{ type: 'custom_tool_call_output', call_id: 'call_c1', output: '42' }] as any });
      expect(next.output_text).toBe('42');
      expect(requests[1].input.slice(-2)).toEqual([
        { type: 'custom_tool_call', call_id: 'call_c1', name: 'calc', input: 'add "41"\n' },
        { type: 'custom_tool_call_output', call_id: 'call_c1', output: '42' },
      ]);
    } finally {
      await native.close();
    }
  });
});
