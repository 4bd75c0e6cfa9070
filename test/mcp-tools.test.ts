import { Writable } from 'node:stream';
import type OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS_PRINCIPAL } from '../src/api/principal.js';
import { parseMcpConfig } from '../src/config/mcp-config.js';
import { startMcpRuntimeServer, type McpRuntimeServer } from '../src/helpers/mcp-runtime/server.js';
import { McpSessions } from '../src/helpers/mcp-runtime/sessions.js';
import { createLogger } from '../src/observability/index.js';
import { defaultObservability } from '../src/server/observability.js';
import type { ResponseStore } from '../src/store/types.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { envSettings } from './support/gateway.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp/http-server.js';
import { callThenAnswer, startMcpGateway, stdioEntry, type McpTestGateway } from './support/mcp/gateway.js';
import { eventSpecErrors } from './support/schemas.js';
import { storeBackends } from './support/stores.js';

let upstream: FakeUpstream;
let httpMcp: TestMcpHttpServer;
let sessions: McpSessions;
let runtime: McpRuntimeServer;
let gw: McpTestGateway;
let store: ResponseStore;
let cleanup: () => Promise<void>;
const logLines: string[] = [];

beforeAll(async () => {
  httpMcp = await startTestMcpHttpServer({ name: 'web' });
  sessions = new McpSessions(
    parseMcpConfig({ mcpServers: { files: stdioEntry('files'), web: { url: httpMcp.url }, broken: { command: process.execPath, args: ['-e', 'process.exit(3)'] } } }),
    { startupMs: 5000, toolMs: 5000 },
  );
  await sessions.start(() => {});
  runtime = await startMcpRuntimeServer(sessions, '127.0.0.1', 0);
  upstream = await startFakeUpstream();
  ({ store, cleanup } = await storeBackends()[0]!.open());
  // A debug-level request/model-message logger, to prove secrets never reach the logs.
  const sink = new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) });
  const obs = { ...defaultObservability(envSettings()), logger: createLogger({ level: 'debug', destination: sink, pretty: false }), log: { level: 'debug' as const, timings: true, modelMessages: true } };
  gw = await startMcpGateway({ upstream, store, mcpRuntimeUrl: `http://127.0.0.1:${runtime.port}`, observability: obs });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await runtime?.close();
  await sessions?.close();
  await httpMcp?.close();
  await cleanup?.();
});

async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const out: ResponseStreamEvent[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

/** `output_text` is an SDK convenience of non-streamed responses; streamed snapshots lack it. */
function textOf(response: OpenAI.Responses.Response): string {
  return response.output.flatMap((o) => (o.type === 'message' ? o.content.map((c) => (c.type === 'output_text' ? c.text : '')) : [])).join('');
}

const files = (extra: Record<string, unknown> = {}) => ({ type: 'mcp', server_label: 'files', require_approval: 'never', ...extra }) as OpenAI.Responses.Tool;

describe('built-in MCP tools through the gateway', () => {
  it('lists the tools first, streams the mcp_call with OpenAI event grammar, and answers with its result', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__echo', { text: 'hello' }));
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: 'echo hello', tools: [files()], stream: true }));
    events.forEach((e, i) => expect(e.sequence_number).toBe(i));
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    const types = events.map((e) => e.type);
    expect(types.slice(0, 6)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.mcp_list_tools.in_progress',
      'response.mcp_list_tools.completed',
      'response.output_item.done',
    ]);
    const callAdded = types.indexOf('response.output_item.added', 6);
    const callTypes = types.slice(callAdded, types.indexOf('response.output_item.done', callAdded) + 1).filter((t) => t !== 'response.mcp_call_arguments.delta');
    expect(callTypes).toEqual(['response.output_item.added', 'response.mcp_call_arguments.done', 'response.mcp_call.in_progress', 'response.mcp_call.completed', 'response.output_item.done']);
    const deltas = events.filter((e): e is OpenAI.Responses.ResponseMcpCallArgumentsDeltaEvent => e.type === 'response.mcp_call_arguments.delta');
    expect(deltas.map((d) => d.delta).join('')).toBe('{"text":"hello"}');

    const listItem = (events[2] as OpenAI.Responses.ResponseOutputItemAddedEvent).item as OpenAI.Responses.ResponseOutputItem.McpListTools;
    expect(listItem).toMatchObject({ type: 'mcp_list_tools', server_label: 'files', tools: [] });
    const listDone = (events[5] as OpenAI.Responses.ResponseOutputItemDoneEvent).item as OpenAI.Responses.ResponseOutputItem.McpListTools;
    expect(listDone.tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'fail']);
    expect(listDone.tools.find((t) => t.name === 'echo')).toMatchObject({ description: 'Echo the text back.', input_schema: { type: 'object', properties: { text: { type: 'string' } } } });

    const addedCall = (events[callAdded] as OpenAI.Responses.ResponseOutputItemAddedEvent).item;
    expect(addedCall).toEqual({ type: 'mcp_call', id: expect.stringMatching(/^mcp_/), server_label: 'files', name: 'echo', arguments: '', output: null, error: null, status: 'in_progress', approval_request_id: null });
    const final = (events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response;
    expect(final.status).toBe('completed');
    expect(final.output.map((o) => o.type)).toEqual(['mcp_list_tools', 'mcp_call', 'message']);
    const call = final.output[1] as OpenAI.Responses.ResponseOutputItem.McpCall;
    expect(call).toMatchObject({ server_label: 'files', name: 'echo', arguments: '{"text":"hello"}', output: 'files echo: hello', error: null, status: 'completed' });
    expect(textOf(final)).toBe('Tool said: files echo: hello');
    // Users never see the internal function names.
    expect(JSON.stringify(final)).not.toContain('mcp__');

    // The model saw one function per tool, and the tool result as a tool message.
    const first = upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-2)!.body;
    const echo = first.tools.find((t: any) => t.function.name === 'mcp__files__echo');
    expect(echo.function.parameters).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });
    expect(first.tools.map((t: any) => t.function.name).sort()).toEqual(['mcp__files__add', 'mcp__files__echo', 'mcp__files__fail']);
  });

  it('a failing tool fails its item, not the response; the model is told the error (JSON)', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__fail', {}));
    const res = await gw.client.responses.create({ model: 'fake-model', input: 'fail', tools: [files()] });
    expect(res.status).toBe('completed');
    const call = res.output[1] as OpenAI.Responses.ResponseOutputItem.McpCall;
    expect(call).toMatchObject({ type: 'mcp_call', name: 'fail', status: 'failed', output: null, error: 'boom: the tool failed on purpose' });
    expect(res.output_text).toBe('Tool said: Error: boom: the tool failed on purpose');
  });

  it('streams response.mcp_call.failed for a failing call', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__fail', {}));
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: 'fail', tools: [files()], stream: true }));
    expect(events.map((e) => e.type)).toContain('response.mcp_call.failed');
    expect(events.at(-1)!.type).toBe('response.completed');
  });

  it('allowed_tools filters what is listed and what the model sees', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__add', { a: 2, b: 3 }));
    const res = await gw.client.responses.create({ model: 'fake-model', input: 'add', tools: [files({ allowed_tools: ['add'] })] });
    const list = res.output[0] as OpenAI.Responses.ResponseOutputItem.McpListTools;
    expect(list.tools.map((t) => t.name)).toEqual(['add']);
    expect(res.output[1]).toMatchObject({ type: 'mcp_call', name: 'add', output: '5', status: 'completed' });
    const first = upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-2)!.body;
    expect(first.tools.map((t: any) => t.function.name)).toEqual(['mcp__files__add']);
  });

  it('tool_choice {type:"mcp"} forces the named MCP tool', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__add', { a: 1, b: 1 }));
    const res = await gw.client.responses.create({ model: 'fake-model', input: 'add', tools: [files()], tool_choice: { type: 'mcp', server_label: 'files', name: 'add' } });
    expect(res.status).toBe('completed');
    const first = upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-2)!.body;
    expect(first.tool_choice).toEqual({ type: 'function', function: { name: 'mcp__files__add' } });
  });

  it('continuations replay mcp_call as a function call and reuse the previous listing', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__echo', { text: 'one' }));
    const first = await gw.client.responses.create({ model: 'fake-model', input: 'echo one', tools: [files()] });
    upstream.setChatHandler(callThenAnswer('mcp__files__echo', { text: 'unused' }));
    let seen: any = null;
    upstream.setChatHandler(async (req, res) => {
      seen = req.body;
      const { sendSse, chunk } = await import('./support/fake-upstream.js');
      return sendSse(res, [chunk({ content: 'done' }), chunk({}, 'stop')]);
    });
    const second = await gw.client.responses.create({ model: 'fake-model', input: 'and now?', previous_response_id: first.id });
    expect(second.output.map((o) => o.type)).toEqual(['message']);
    const assistant = seen.messages.find((m: any) => m.tool_calls);
    expect(assistant.tool_calls[0].function).toEqual({ name: 'mcp__files__echo', arguments: '{"text":"one"}' });
    const tool = seen.messages.find((m: any) => m.role === 'tool');
    expect(tool.content).toBe('files echo: one');
    expect(seen.tools.map((t: any) => t.function.name)).toContain('mcp__files__echo');
  });

  it('an unavailable built-in server fails its mcp_list_tools item; the response still completes', async () => {
    upstream.setChatHandler(async (_req, res) => {
      const { sendSse, chunk } = await import('./support/fake-upstream.js');
      return sendSse(res, [chunk({ content: 'no tools' }), chunk({}, 'stop')]);
    });
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'mcp', server_label: 'broken', require_approval: 'never' }], stream: true }));
    expect(events.map((e) => e.type)).toContain('response.mcp_list_tools.failed');
    const final = (events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response;
    expect(final.status).toBe('completed');
    expect((final.output[0] as OpenAI.Responses.ResponseOutputItem.McpListTools).error).toMatch(/unavailable/);
  });

  it('an unknown built-in label is a 400', async () => {
    await expect(gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'mcp', server_label: 'nope', require_approval: 'never' }], stream: true })).rejects.toMatchObject({
      status: 400,
      param: 'tools[0].server_label',
    });
  });
});

describe('MCP approvals', () => {
  it('always → mcp_approval_request ends the response; approving runs the call in the next request', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__echo', { text: 'approved' }));
    const events = await collect(await gw.client.responses.create({ model: 'fake-model', input: 'echo', tools: [files({ require_approval: 'always' })], stream: true }));
    const first = (events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response;
    expect(first.status).toBe('completed');
    expect(first.output.map((o) => o.type)).toEqual(['mcp_list_tools', 'mcp_approval_request']);
    const req = first.output[1] as OpenAI.Responses.ResponseOutputItem.McpApprovalRequest;
    expect(req).toEqual({ type: 'mcp_approval_request', id: expect.stringMatching(/^mcpr_/), server_label: 'files', name: 'echo', arguments: '{"text":"approved"}' });
    expect(events.map((e) => e.type).filter((t) => t.includes('mcp_call'))).toEqual([]);

    const before = upstream.requests.length;
    const events2 = await collect(
      await gw.client.responses.create({ model: 'fake-model', previous_response_id: first.id, input: [{ type: 'mcp_approval_response', approval_request_id: req.id, approve: true }], stream: true }),
    );
    const second = (events2.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response;
    expect(second.output.map((o) => o.type)).toEqual(['mcp_call', 'message']);
    expect(second.output[0]).toMatchObject({ name: 'echo', approval_request_id: req.id, output: 'files echo: approved', status: 'completed' });
    expect(textOf(second)).toBe('Tool said: files echo: approved');
    expect(events2.map((e) => e.type).slice(2, 6)).toEqual(['response.output_item.added', 'response.mcp_call.in_progress', 'response.mcp_call.completed', 'response.output_item.done']);
    // One upstream turn: the call ran before it.
    expect(upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
  });

  it('denying tells the model the call was not run', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__echo', { text: 'denied' }));
    const first = await gw.client.responses.create({ model: 'fake-model', input: 'echo', tools: [files({ require_approval: { never: { tool_names: ['add'] } } })] });
    const req = first.output.find((o) => o.type === 'mcp_approval_request')!;
    const second = await gw.client.responses.create({ model: 'fake-model', previous_response_id: first.id, input: [{ type: 'mcp_approval_response', approval_request_id: req.id, approve: false }] });
    expect(second.output.map((o) => o.type)).toEqual(['message']);
    expect(second.output_text).toMatch(/^Tool said: The user denied this tool call/);
  });

  it('per-tool never runs that tool directly', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__add', { a: 4, b: 4 }));
    const res = await gw.client.responses.create({ model: 'fake-model', input: 'add', tools: [files({ require_approval: { never: { tool_names: ['add'] } } })] });
    expect(res.output[1]).toMatchObject({ type: 'mcp_call', output: '8' });
  });

  it('an approval response for an unknown request is a 400', async () => {
    upstream.setChatHandler(callThenAnswer('mcp__files__echo', { text: 'x' }));
    const first = await gw.client.responses.create({ model: 'fake-model', input: 'echo', tools: [files({ require_approval: 'always' })] });
    await expect(
      gw.client.responses.create({ model: 'fake-model', previous_response_id: first.id, input: [{ type: 'mcp_approval_response', approval_request_id: 'mcpr_nope', approve: true }] }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('remote MCP (server_url)', () => {
  it('sends headers and authorization to the server, and never stores, echoes or logs them', async () => {
    const secured = await startTestMcpHttpServer({ name: 'remote', requireAuth: 'Bearer sekrit-token-123' });
    try {
      upstream.setChatHandler(callThenAnswer('mcp__remote__whoami', {}));
      const tool = { type: 'mcp', server_label: 'remote', server_url: secured.url, authorization: 'sekrit-token-123', headers: { 'X-Tenant': 'tenant-hdr-456' }, require_approval: 'never' } as OpenAI.Responses.Tool;
      const res = await gw.client.responses.create({ model: 'fake-model', input: 'who am i', tools: [tool] });
      expect(res.output[1]).toMatchObject({ type: 'mcp_call', server_label: 'remote', name: 'whoami', output: 'credentials received', status: 'completed' });
      expect(secured.requests.length).toBeGreaterThan(0);
      expect(secured.requests.every((h) => h['x-tenant'] === 'tenant-hdr-456' && h.authorization === 'Bearer sekrit-token-123')).toBe(true);
      expect(res.tools[0]).toMatchObject({ type: 'mcp', server_label: 'remote', headers: null });
      const stored = await gw.client.responses.retrieve(res.id);
      const items = await gw.client.responses.inputItems.list(res.id);
      expect(logLines.join('')).toContain('whoami'); // the model-message log did record this request
      for (const text of [JSON.stringify(res), JSON.stringify(stored), JSON.stringify(items), logLines.join('')]) {
        expect(text).not.toContain('sekrit-token-123');
        expect(text).not.toContain('tenant-hdr-456');
      }
      const raw = await store.get(res.id, ANONYMOUS_PRINCIPAL);
      expect(JSON.stringify(raw)).not.toContain('sekrit');
    } finally {
      await secured.close();
    }
  });

  it('an authorization value that already names its scheme is sent as given, never as "Bearer Bearer"', async () => {
    for (const [authorization, expected] of [
      ['Bearer sekrit-token-123', 'Bearer sekrit-token-123'],
      ['Basic dXNlcjpwYXNz', 'Basic dXNlcjpwYXNz'],
      ['  sekrit-token-123 ', 'Bearer sekrit-token-123'],
    ] as const) {
      const secured = await startTestMcpHttpServer({ name: 'remote', requireAuth: expected });
      try {
        upstream.setChatHandler(callThenAnswer('mcp__remote__whoami', {}));
        const tool = { type: 'mcp', server_label: 'remote', server_url: secured.url, authorization, require_approval: 'never' } as OpenAI.Responses.Tool;
        const res = await gw.client.responses.create({ model: 'fake-model', input: 'who am i', tools: [tool] });
        expect(res.output[1]).toMatchObject({ type: 'mcp_call', status: 'completed' });
        expect(secured.requests.every((h) => h.authorization === expected)).toBe(true);
      } finally {
        await secured.close();
      }
    }
  });

  it('an mcp_approval_response naming an unknown approval id is a 400, with or without MCP tools', async () => {
    const answer = { type: 'mcp_approval_response', approval_request_id: 'mcpr_unknown123', approve: true } as const;
    await expect(gw.client.responses.create({ model: 'fake-model', input: [answer] })).rejects.toMatchObject({
      status: 400,
      param: 'input[0].approval_request_id',
    });
    const tool = { type: 'mcp', server_label: 'files', server_url: httpMcp.url, require_approval: 'never' } as OpenAI.Responses.Tool;
    await expect(gw.client.responses.create({ model: 'fake-model', input: [{ role: 'user', content: 'x' }, answer], tools: [tool] })).rejects.toMatchObject({
      status: 400,
      param: 'input[1].approval_request_id',
    });
  });

  it('tool-list paging is capped (VR_MCP_REMOTE_MAX_TOOL_LIST_PAGES): an endless list is a 422, not a hang', async () => {
    const endless = await startTestMcpHttpServer({ toolsList: 'endless' });
    const capped = await startMcpGateway({ upstream: await startFakeUpstream(), mcp: { remoteMaxListPages: 3 } });
    try {
      const tool = { type: 'mcp', server_label: 'endless', server_url: endless.url, require_approval: 'never' } as OpenAI.Responses.Tool;
      const err = await capped.client.responses.create({ model: 'fake-model', input: 'x', tools: [tool] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 422, code: 'bad_input' });
      expect((err as Error).message).toMatch(/more than 3 pages/);
      expect(endless.listCalls.received).toBe(3);
    } finally {
      await capped.close();
      await endless.close();
    }
  });

  it('a client that disconnects during remote discovery cancels it', async () => {
    const hanging = await startTestMcpHttpServer({ toolsList: 'hang' });
    try {
      const tool = { type: 'mcp', server_label: 'slow', server_url: hanging.url, require_approval: 'never' } as OpenAI.Responses.Tool;
      const controller = new AbortController();
      const pending = gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [tool] }, { signal: controller.signal }).catch(() => undefined);
      while (hanging.listCalls.received === 0) await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      await pending;
      // The gateway closes its session to the server (well before the 10 s tool timeout).
      const started = Date.now();
      while (hanging.listCalls.abandoned === 0 && Date.now() - started < 8_000) await new Promise((r) => setTimeout(r, 20));
      expect(hanging.listCalls.abandoned).toBe(1);
    } finally {
      await hanging.close();
    }
  });

  it('a remote server whose discovery fails is a plain 422 bad_input, even for streams', async () => {
    const secured = await startTestMcpHttpServer({ requireAuth: 'Bearer right' });
    try {
      const tool = { type: 'mcp', server_label: 'remote', server_url: secured.url, authorization: 'wrong', require_approval: 'never' } as OpenAI.Responses.Tool;
      await expect(gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [tool], stream: true })).rejects.toMatchObject({ status: 422, code: 'bad_input' });
    } finally {
      await secured.close();
    }
  });

  it('URL checks refuse loopback and plain http before contacting anything', async () => {
    const strict = await startMcpGateway({ upstream: await startFakeUpstream(), mcp: { remoteUrlChecks: true } });
    try {
      const before = httpMcp.requests.length;
      await expect(
        strict.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'mcp', server_label: 'r', server_url: httpMcp.url, require_approval: 'never' }] }),
      ).rejects.toMatchObject({ status: 400, param: 'tools[0].server_url' });
      await expect(
        strict.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'mcp', server_label: 'r', server_url: 'https://localhost/mcp', require_approval: 'never' }] }),
      ).rejects.toMatchObject({ status: 400 });
      expect(httpMcp.requests.length).toBe(before);
    } finally {
      await strict.close();
    }
  });

  it('VR_MCP_REQUEST_REMOTE_ENABLED=false turns remote servers off', async () => {
    const off = await startMcpGateway({ upstream: await startFakeUpstream(), mcp: { remoteEnabled: false } });
    try {
      await expect(
        off.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'mcp', server_label: 'r', server_url: httpMcp.url, require_approval: 'never' }] }),
      ).rejects.toMatchObject({ status: 400 });
    } finally {
      await off.close();
    }
  });
});

describe('MCP discovery endpoints', () => {
  const get = async (base: string, path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  it('lists built-in servers with availability and their tools; 404 unknown, 409 unavailable', async () => {
    const servers = await get(gw.url, '/v1/mcp/servers');
    expect(servers.status).toBe(200);
    expect(servers.body.data.map((s: any) => [s.server_label, s.available])).toEqual([
      ['files', true],
      ['web', true],
      ['broken', false],
    ]);
    const tools = await get(gw.url, '/v1/mcp/servers/web/tools');
    expect(tools.status).toBe(200);
    expect(tools.body.data.map((t: any) => t.name)).toContain('echo');
    const unknown = await get(gw.url, '/v1/mcp/servers/nope/tools');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ type: 'invalid_request_error', code: 'mcp_server_not_found' });
    const down = await get(gw.url, '/v1/mcp/servers/broken/tools');
    expect(down.status).toBe(409);
    expect(down.body.error.code).toBe('mcp_server_unavailable');
  });

  it('503 when the runtime is unreachable; an empty list when built-in MCP is off', async () => {
    const dead = await startMcpGateway({ upstream: await startFakeUpstream(), mcpRuntimeUrl: 'http://127.0.0.1:1' });
    const none = await startMcpGateway({ upstream: await startFakeUpstream() });
    try {
      expect((await get(dead.url, '/v1/mcp/servers')).status).toBe(503);
      expect((await get(dead.url, '/v1/mcp/servers/files/tools')).status).toBe(503);
      expect((await get(none.url, '/v1/mcp/servers')).body).toEqual({ object: 'list', data: [] });
    } finally {
      await dead.close();
      await none.close();
    }
  });
});
