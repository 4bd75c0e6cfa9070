import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSearchProfile } from '../src/tools/web-search/profile.js';
import { cassette, collapseDeltas, groundTruthTypes, recordedEvents } from './support/cassettes.js';
import { chunk, sendSse, startFakeUpstream, usageChunk, type FakeUpstream, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors, responseSpecErrors } from './support/schemas.js';
import { startFakeDuckDuckGo, startFakeExaMcp, startPageServer, type LocalServer } from './support/web-search-servers.js';

/**
 * web_search end to end: the openai SDK talks to the gateway, a scripted model calls the
 * model-facing `web_search` function, and the gateway searches a fake DuckDuckGo / Exa MCP and
 * fetches pages, all on 127.0.0.1.
 */
let pages: LocalServer;
let ddg: Awaited<ReturnType<typeof startFakeDuckDuckGo>>;
let exa: Awaited<ReturnType<typeof startFakeExaMcp>>;
let upstream: FakeUpstream;
const gateways: TestGateway[] = [];

const ENV_KEYS = ['VR_WEB_SEARCH_DDG_URL', 'VR_WEB_SEARCH_EXA_MCP_URL', 'VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS', 'EXA_API_KEY', 'VR_WEB_SEARCH_TIMEOUT_SEC'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

beforeAll(async () => {
  pages = await startPageServer();
  ddg = await startFakeDuckDuckGo(pages.url);
  exa = await startFakeExaMcp();
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await Promise.all([pages?.close(), ddg?.close(), exa?.close(), upstream?.close()]);
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

/** A gateway with web_search on; its settings come from the environment at creation. */
async function gateway(
  profile: WebSearchProfile | null,
  env: Partial<Record<(typeof ENV_KEYS)[number], string>> = {},
  sqliteStore = false,
  unavailableBuiltinTools: 'omit' | 'reject' = 'omit',
): Promise<TestGateway> {
  const base = { VR_WEB_SEARCH_DDG_URL: ddg.url, VR_WEB_SEARCH_EXA_MCP_URL: exa.url, VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS: '1', EXA_API_KEY: '', VR_WEB_SEARCH_TIMEOUT_SEC: '5' };
  for (const [k, v] of Object.entries({ ...base, ...env })) process.env[k] = v;
  const gw = await startTestGateway({ upstream, serve: { webSearchProfile: profile }, sqliteStore, env: { unavailableBuiltinTools } });
  gateways.push(gw);
  return gw;
}

let ddgGw: TestGateway;
beforeAll(async () => {
  ddgGw = await gateway('duckduckgo_plus_fetch', {}, true);
});

function callChunks(args: Record<string, unknown>, callId: string): Record<string, unknown>[] {
  const text = JSON.stringify(args);
  const half = Math.ceil(text.length / 2);
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: callId, type: 'function', function: { name: 'web_search', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: text.slice(0, half) } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: text.slice(half) } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(30, 10),
  ];
}

/** The model makes the scripted calls one per turn, then answers with what the last one told it. */
function script(calls: Record<string, unknown>[], answer = (told: string) => `Answer from: ${told.slice(0, 60)}`) {
  upstream.setChatHandler((req: RecordedRequest, res) => {
    const tools = (req.body.messages as any[]).filter((m) => m.role === 'tool');
    const next = calls[tools.length];
    if (next && req.body.tools) return sendSse(res, callChunks(next, `call_ws${tools.length}`));
    const told = String(tools.at(-1)?.content ?? '');
    return sendSse(res, [chunk({ role: 'assistant', content: '' }), chunk({ content: answer(told) }), chunk({}, 'stop'), usageChunk(60, 8)]);
  });
}

/** What the model was told by each web_search call in the last request. */
function toldInLastTurn(): string[] {
  return (upstream.requests.at(-1)!.body.messages as any[]).filter((m) => m.role === 'tool').map((m) => String(m.content));
}

async function stream(gw: TestGateway, body: Record<string, unknown>): Promise<any[]> {
  const out: any[] = [];
  for await (const ev of (await gw.client.responses.create({ model: 'fake-model', ...body, stream: true } as any)) as unknown as AsyncIterable<any>) out.push(ev);
  return out;
}

describe('web_search (duckduckgo_plus_fetch)', () => {
  it('streams the same event grammar and item shape as OpenAI’s recording', async () => {
    const path = 'openai_responses/builtin-tool-web_search-stream.yaml';
    const recorded = recordedEvents(path);
    const recordedDone = recorded.filter((e) => e.type === 'response.output_item.done' && e.item.type === 'web_search_call').map((e) => e.item);
    script(
      recordedDone.map((it) => ({ action: 'search', query: it.action.query })),
      () => 'The target range is 3.50%–3.75%.',
    );
    const events = await stream(ddgGw, { ...cassette(path).request.body, model: 'fake-model' });

    // Our text is chunked differently and carries no url_citation annotations.
    const drop = (t: string) => t !== 'response.output_text.delta' && t !== 'response.output_text.annotation.added';
    expect(collapseDeltas(events.map((e) => e.type)).filter(drop)).toEqual(collapseDeltas(groundTruthTypes(path)).filter(drop));
    for (const e of events) expect(eventSpecErrors(e)).toEqual([]);
    events.forEach((e, i) => expect(e.sequence_number).toBe(i));

    // As in the recording: announced without an action, finished with it.
    const added = events.filter((e) => e.type === 'response.output_item.added' && e.item.type === 'web_search_call').map((e) => e.item);
    const recordedAdded = recorded.find((e) => e.type === 'response.output_item.added' && e.item.type === 'web_search_call').item;
    expect(Object.keys(added[0]).sort()).toEqual(Object.keys(recordedAdded).sort());
    expect(added[0]).toMatchObject({ type: 'web_search_call', status: 'in_progress' });
    expect(added[0].id).toMatch(/^ws_/);
    const done = events.filter((e) => e.type === 'response.output_item.done' && e.item.type === 'web_search_call').map((e) => e.item);
    expect(done.map((d) => Object.keys(d).sort())).toEqual(recordedDone.map((d) => Object.keys(d).sort()));
    expect(done.map((d) => d.action)).toEqual(recordedDone.map((d) => ({ type: 'search', query: d.action.query })));
    expect(done.every((d) => d.status === 'completed')).toBe(true);
    const progress = events.filter((e) => e.type.startsWith('response.web_search_call.')).slice(0, 3);
    expect(progress.map((e) => Object.keys(e).sort())).toEqual(recorded.filter((e) => e.type.startsWith('response.web_search_call.')).slice(0, 3).map((e) => Object.keys(e).sort()));
    expect(progress.every((e) => e.item_id === added[0].id && e.output_index === 0)).toBe(true);

    // The DuckDuckGo query went out, and the model saw titles, unwrapped URLs and snippets (no ad).
    expect(ddg.queries.slice(-2)).toEqual(recordedDone.map((d) => d.action.query));
    const told = toldInLastTurn();
    expect(told).toHaveLength(2);
    expect(told[0]).toContain(`Search results for "${recordedDone[0].action.query}"`);
    expect(told[0]).toContain(`URL: ${pages.url}/short`);
    expect(told[0]).toContain('The target range is 3.50%–3.75%.');
    expect(told[0]).not.toMatch(/Buy now|duckduckgo\.com/);
    // The model sees one `web_search` function; clients never see it, the profile, or the model's text.
    expect(upstream.requests.at(-1)!.body.tools.map((t: any) => t.function.name)).toEqual(['web_search']);
    const wire = JSON.stringify(events);
    expect(wire).not.toMatch(/model_output|duckduckgo|Search results for/);
    const final = events.at(-1).response;
    expect(final.status).toBe('completed');
    expect(final.output.map((o: any) => o.type)).toEqual(['web_search_call', 'web_search_call', 'message']);
  });

  it('returns action.sources only with include (also on retrieve)', async () => {
    script([{ action: 'search', query: 'fed funds' }]);
    const plain = await ddgGw.client.responses.create({ model: 'fake-model', input: 'rate?', tools: [{ type: 'web_search' }] });
    expect(responseSpecErrors(plain)).toEqual([]);
    expect(plain.output[0]).toMatchObject({ type: 'web_search_call', status: 'completed', action: { type: 'search', query: 'fed funds' } });
    expect((plain.output[0] as any).action.sources).toBeUndefined();

    const path = 'openai_responses/builtin-tool-web_search-sources.yaml';
    const recordedItem = (cassette(path).response.body as any).output.find((o: any) => o.type === 'web_search_call');
    script([{ action: 'search', query: 'fed funds' }]);
    const withSources = await ddgGw.client.responses.create({ ...(cassette(path).request.body as any), model: 'fake-model' });
    const ws = withSources.output.find((o) => o.type === 'web_search_call') as any;
    expect(ws.action.sources).toEqual([
      { type: 'url', url: `${pages.url}/short` },
      { type: 'url', url: `${pages.url}/article` },
    ]);
    expect(Object.keys(ws.action.sources[0]).sort()).toEqual(Object.keys(recordedItem.action.sources[0]).sort());
    expect(Object.keys(ws).sort()).toEqual(Object.keys(recordedItem).sort());
    expect(JSON.stringify(withSources)).not.toContain('model_output');
    // Stored with the request's include: retrieval shows what the creating request showed.
    expect(((await ddgGw.client.responses.retrieve(plain.id)).output[0] as any).action.sources).toBeUndefined();
  });

  it('filters.allowed_domains scopes searches and refuses pages outside them', async () => {
    script([{ action: 'search', query: 'rates' }, { action: 'open_page', url: `${pages.url}/article` }]);
    const before = ddg.queries.length;
    const r = await ddgGw.client.responses.create({
      model: 'fake-model',
      input: 'rates?',
      tools: [{ type: 'web_search', filters: { allowed_domains: ['example.com'] } }] as any,
      tool_choice: 'required',
    });
    expect(r.status).toBe('completed');
    expect(ddg.queries.slice(before)).toEqual(['rates site:example.com']);
    const [searched, opened] = toldInLastTurn();
    // The fake engine's results are on 127.0.0.1: none survive the filter, and the page is refused.
    expect(searched).not.toContain('127.0.0.1');
    expect(opened).toContain('outside the allowed domains');
    expect((r.output.filter((o) => o.type === 'web_search_call') as any[]).map((o) => o.status)).toEqual(['completed', 'failed']);
    // Allowed: the same calls go through.
    script([{ action: 'search', query: 'rates' }]);
    await ddgGw.client.responses.create({ model: 'fake-model', input: 'rates?', tools: [{ type: 'web_search', filters: { allowed_domains: ['127.0.0.1'] } }] as any, tool_choice: 'required' });
    expect(toldInLastTurn()[0]).toContain('/article');
  });

  it('opens a page and finds in it within one request, fetching it once', async () => {
    const url = `${pages.url}/article`;
    script([
      { action: 'open_page', url },
      { action: 'find_in_page', url, pattern: 'is best for' },
    ]);
    const before = pages.hits.filter((h) => h === '/article').length;
    const r = await ddgGw.client.responses.create({ model: 'fake-model', input: 'what is it best for?', tools: [{ type: 'web_search' }], tool_choice: 'required' });
    expect(r.status).toBe('completed');
    const path = 'openai_responses/builtin-tool-web_search-find_in_page.yaml';
    const recorded = (cassette(path).response.body as any).output.filter((o: any) => o.type === 'web_search_call');
    const ours = r.output.filter((o) => o.type === 'web_search_call') as any[];
    expect(ours.map((o) => o.action)).toEqual([
      { type: 'open_page', url },
      { type: 'find_in_page', url, pattern: 'is best for' },
    ]);
    expect(ours.map((o) => Object.keys(o.action).sort())).toEqual(recorded.map((o: any) => Object.keys(o.action).sort()));
    expect(pages.hits.filter((h) => h === '/article').length - before).toBe(1);

    const [opened, found] = toldInLastTurn();
    expect(opened).toMatch(/^Page: http:\/\/127\.0\.0\.1:\d+\/article\nTitle: Rates & You\n/);
    expect(opened).toContain('The rate story');
    expect(opened).not.toMatch(/secret|color:red/);
    // The long page is cut for the model, which is told how to reach the rest.
    expect(opened).toMatch(/\[Truncated: showing the first 12000 of \d+ characters\. Use find_in_page/);
    expect(opened).not.toContain('Deep Research');
    expect(found).toMatch(/^1 match for "is best for" in http/);
    expect(found).toContain('Deep Research is best for background-style workloads.');
  });

  it('follows redirects to public pages, and find_in_page opens a page not opened yet', async () => {
    script([{ action: 'find_in_page', url: `${pages.url}/redirect`, pattern: 'target range' }]);
    await ddgGw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'web_search' }] });
    expect(toldInLastTurn()[0]).toMatch(/1 match for "target range" in http:\/\/127\.0\.0\.1:\d+\/short:\n\n\[1\] The federal funds target range is 3\.50%–3\.75%\./);
  });

  it.each([
    ['/redirect-private', /refused to open http:\/\/10\.0\.0\.1\/admin: 10\.0\.0\.1 is a private-use address/],
    ['/redirect-metadata', /169\.254\.169\.254 is a link-local address \(cloud metadata lives here\)/],
    ['/redirect-ipv6', /refused to open http:\/\/\[::ffff:c0a8:101\]\/: ::ffff:c0a8:101 is a IPv4-mapped address of 192\.168\.1\.1, a private-use address/],
    ['/image', /image\/png, not a text page/],
    ['/nope', /answered HTTP 404/],
  ])('fails the item, tells the model and completes when opening %s is refused or fails', async (path, reason) => {
    script([{ action: 'open_page', url: `${pages.url}${path}` }]);
    const events = await stream(ddgGw, { input: 'open', tools: [{ type: 'web_search' }] });
    const final = events.at(-1).response;
    expect(final.status).toBe('completed');
    expect(final.output[0]).toMatchObject({ type: 'web_search_call', status: 'failed', action: { type: 'open_page', url: `${pages.url}${path}` } });
    expect(events.filter((e) => e.item_id === final.output[0].id).map((e) => e.type)).toEqual([
      'response.web_search_call.in_progress',
      'response.web_search_call.searching',
      'response.web_search_call.completed',
    ]);
    expect(toldInLastTurn()[0]).toMatch(/^web_search open_page failed: /);
    expect(toldInLastTurn()[0]).toMatch(reason);
  });

  it('blocks loopback pages when the test switch is off (the production default)', async () => {
    const strict = await gateway('duckduckgo_plus_fetch', { VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS: '' });
    const before = pages.hits.length;
    script([{ action: 'open_page', url: `${pages.url}/short` }]);
    const r = await strict.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'web_search' }] });
    expect(r.status).toBe('completed');
    expect(r.output[0]).toMatchObject({ status: 'failed' });
    expect(toldInLastTurn()[0]).toMatch(/refused to open http:\/\/127\.0\.0\.1:\d+\/short: 127\.0\.0\.1 is a loopback address/);
    // A name that resolves to loopback is refused by the guarded DNS lookup, before connecting.
    script([{ action: 'open_page', url: `http://localhost:${new URL(pages.url).port}/short` }]);
    await strict.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'web_search' }] });
    expect(toldInLastTurn()[0]).toMatch(/refused to open http:\/\/localhost:\d+\/short: localhost resolves to (127\.0\.0\.1|::1) \(loopback address\)/);
    expect(pages.hits.length).toBe(before);
  });

  it('fails the search when the search endpoint is down, and the response still completes', async () => {
    const down = await gateway('duckduckgo_plus_fetch', { VR_WEB_SEARCH_DDG_URL: 'http://127.0.0.1:1/html/' });
    script([{ action: 'search', query: 'anything' }]);
    const events = await stream(down, { input: 'x', tools: [{ type: 'web_search' }] });
    const final = events.at(-1).response;
    expect(events.at(-1).type).toBe('response.completed');
    expect(final.output[0]).toMatchObject({ type: 'web_search_call', status: 'failed', action: { type: 'search', query: 'anything' } });
    expect(final.output[1].type).toBe('message');
    expect(toldInLastTurn()[0]).toMatch(/^web_search search failed: the search service is unreachable/);
  });

  it('tells the model when its arguments are unusable', async () => {
    script([{ action: 'search' }]);
    const r = await ddgGw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'web_search' }] });
    expect(r.output[0]).toMatchObject({ status: 'failed', action: { type: 'search', query: '' } });
    expect(toldInLastTurn()[0]).toBe('web_search search failed: search needs a query. Try something else, or answer without it and say the web could not be reached.');
  });

  it('replays its calls on continuation exactly as the model saw them', async () => {
    script([{ action: 'search', query: 'fed funds' }]);
    const r1 = await ddgGw.client.responses.create({ model: 'fake-model', input: 'rate?', tools: [{ type: 'web_search_preview' }], tool_choice: { type: 'web_search_preview' } } as any);
    const firstTurns = upstream.requests.slice(-2);
    expect(firstTurns[0]!.body.tool_choice).toEqual({ type: 'function', function: { name: 'web_search' } });
    const toldThen = toldInLastTurn()[0];

    upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]));
    await ddgGw.client.responses.create({ model: 'fake-model', input: 'and?', previous_response_id: r1.id });
    const m = upstream.requests.at(-1)!.body.messages as any[];
    expect(m.map((x) => x.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user']);
    expect(m[1].tool_calls[0].function).toEqual({ name: 'web_search', arguments: JSON.stringify({ action: 'search', query: 'fed funds' }) });
    expect(m[2].content).toBe(toldThen);
    expect(upstream.requests.at(-1)!.body.tools[0].function.name).toBe('web_search');
  });

  it('replays a web_search_call item sent by the client (no stored text) from its action', async () => {
    upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]));
    await ddgGw.client.responses.create({
      model: 'fake-model',
      input: [
        { type: 'web_search_call', id: 'ws_client1', status: 'completed', action: { type: 'search', query: 'q', sources: [{ type: 'url', url: 'https://a.example/' }] } } as any,
        { role: 'user', content: 'summarise' },
      ],
      tools: [{ type: 'web_search' }],
    });
    const m = upstream.requests.at(-1)!.body.messages as any[];
    expect(m[0].tool_calls[0].function.name).toBe('web_search');
    expect(m[1].content).toBe('(web_search search completed; its full output is not available)\nSources:\n- https://a.example/');
  });
});

describe('web_search (exa_mcp)', () => {
  it('searches and opens pages through the Exa MCP server with EXA_API_KEY appended', async () => {
    const gw = await gateway('exa_mcp', { EXA_API_KEY: 'test-exa-key' });
    script([
      { action: 'search', query: 'deep research' },
      { action: 'open_page', url: 'https://exa.example/one' },
      { action: 'find_in_page', url: 'https://exa.example/one', pattern: 'best for' },
    ]);
    const events = await stream(gw, { input: 'x', tools: [{ type: 'web_search' }], include: ['web_search_call.action.sources'] });
    const final = events.at(-1).response;
    expect(final.status).toBe('completed');
    expect(final.output.slice(0, 3).map((o: any) => [o.status, o.action.type])).toEqual([
      ['completed', 'search'],
      ['completed', 'open_page'],
      ['completed', 'find_in_page'],
    ]);
    expect(final.output[0].action.sources).toEqual([
      { type: 'url', url: 'https://exa.example/one' },
      { type: 'url', url: 'https://exa.example/two' },
    ]);
    const [searched, opened, found] = toldInLastTurn();
    expect(searched).toContain('[1] Exa result for deep research\nURL: https://exa.example/one\nThe first result text. It continues here.');
    expect(opened).toContain('Title: Crawled page');
    expect(found).toContain('Deep Research is best for background-style workloads.');
    // find_in_page used the page open_page cached: one crawl.
    expect(exa.calls.slice(-2).map((c) => c.name)).toEqual(['web_search_exa', 'crawling_exa']);
    expect(exa.calls.at(-1)!.args).toEqual({ url: 'https://exa.example/one' });
    expect(exa.apiKeys.length).toBeGreaterThan(0);
    expect(new Set(exa.apiKeys.slice(-4))).toEqual(new Set(['test-exa-key']));
    expect(JSON.stringify(events)).not.toMatch(/test-exa-key|exa_mcp|crawling_exa/);
  });

  it('reports an Exa tool error as a failed item, and works without a key', async () => {
    const gw = await gateway('exa_mcp');
    script([{ action: 'open_page', url: 'https://exa.example/missing' }]);
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'web_search' }] });
    expect(r.status).toBe('completed');
    expect(r.output[0]).toMatchObject({ status: 'failed' });
    expect(toldInLastTurn()[0]).toMatch(/^web_search open_page failed: the search service reported an error: Error: could not crawl/);
    expect(exa.apiKeys.at(-1)).toBeNull();
  });

  it('fails the item when the Exa MCP server is unreachable', async () => {
    const gw = await gateway('exa_mcp', { VR_WEB_SEARCH_EXA_MCP_URL: 'http://127.0.0.1:1/mcp', EXA_API_KEY: 'secret-key' });
    script([{ action: 'search', query: 'q' }]);
    const r = await gw.client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'web_search' }] });
    expect(r.output[0]).toMatchObject({ status: 'failed' });
    expect(toldInLastTurn()[0]).toMatch(/^web_search search failed: the search service failed/);
    expect(toldInLastTurn()[0]).not.toContain('secret-key');
  });
});

describe('web_search disabled', () => {
  it('by default a declared web_search is left out of what the model sees (Codex declares it in every request)', async () => {
    const off = await gateway(null);
    const before = upstream.requests.length;
    const res = await fetch(`${off.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x', tools: [{ type: 'web_search', external_web_access: false }, { type: 'function', name: 'f' }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.tools.map((t: any) => t.type)).toEqual(['web_search', 'function']);
    const sent = upstream.requests.slice(before).find((r) => r.path === '/v1/chat/completions')!;
    expect(sent.body.tools.map((t: any) => t.function.name)).toEqual(['f']);
    // Forcing a tool that cannot run stays an error.
    const forced = await fetch(`${off.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x', tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }),
    });
    expect(forced.status).toBe(400);
    expect(((await forced.json()) as any).error.code).toBe('tool_not_enabled');
  });

  it.each(['web_search', 'web_search_preview'])('VR_UNAVAILABLE_BUILTIN_TOOLS=reject: %s is a 400 naming it when no profile is set', async (type) => {
    const off = await gateway(null, {}, false, 'reject');
    const res = await fetch(`${off.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x', tools: [{ type }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.param).toBe('tools[0].type');
    expect(body.error.message).toMatch(/web_search/);
  });
});
