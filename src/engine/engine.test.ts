/**
 * The engine on its own: prepare → run loop → composer with a scripted upstream adapter (no HTTP,
 * no upstream wire format), deterministic ids and clock. End-to-end tests cover the same paths
 * through the server; these pin the engine's own rules where a failure points at one function.
 */
import { promiseHooks } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Item } from '../api/items.js';
import { Cancellation } from '../cancellation/cancellation.js';
import { generateSealingKey, SealedBlobs } from '../crypto/sealed-blob.js';
import type { ModelEvent } from '../model/events.js';
import { createCodeInterpreterTool } from '../tools/code-interpreter/tool.js';
import { createGatewayTools, type GatewayTools } from '../tools/types.js';
import type { TokenCounter } from '../upstream/token-counter.js';
import type { TurnRequest, UpstreamAdapter } from '../upstream/types.js';
import type { StreamEvent } from './composer.js';
import { filterOutputForClient } from './include-filter.js';
import { modelToolsFor } from './model-tools.js';
import { prepareRequest, type PrepareDeps } from './prepare.js';
import { ResponseRun, type EngineDeps } from './run-response.js';

/** One upstream turn, as the adapter yields it (a batch per array). */
type Turn = ModelEvent[][];

/** An adapter that plays one scripted turn per call and records what each turn asked for. */
function scriptedAdapter(turns: Turn[]): UpstreamAdapter & { requests: TurnRequest[] } {
  const requests: TurnRequest[] = [];
  return {
    requests,
    async *streamTurn(req) {
      requests.push(req);
      const turn = turns[requests.length - 1];
      if (!turn) throw new Error(`no scripted turn ${requests.length}`);
      for (const batch of turn) yield batch;
    },
  };
}

const usage: ModelEvent = { type: 'usage', usage: { input_tokens: 10, output_tokens: 3, cached_tokens: 0, reasoning_tokens: 0 } };
const text = (...pieces: string[]): Turn => [pieces.map((delta) => ({ type: 'text.delta', delta }) as ModelEvent), [{ type: 'finish', reason: 'stop' }, usage]];
const call = (index: number, call_id: string, name: string, args: string[]): ModelEvent[] => [
  { type: 'tool_call.start', index, call_id, name },
  ...args.map((delta) => ({ type: 'tool_call.arguments.delta', index, delta }) as ModelEvent),
  { type: 'tool_call.done', index },
];

/** Ids in order of creation, so two runs of the same script produce the same ids. */
function counterIds() {
  let n = 0;
  return (prefix: string) => `${prefix}_${String(++n).padStart(4, '0')}`;
}

/** The code interpreter tool with a helper that "runs" code by echoing it. */
const echoInterpreter = createCodeInterpreterTool({
  execute: async (code) => ({ status: 'success', stdout: `ran: ${code}\n`, stderr: '', result: null, execution_time_ms: 1 }),
  containerExists: async () => true,
  health: async () => ({ status: 'healthy', pyodide_loaded: true, uptime_seconds: 1, execution_count: 0 }),
  close: async () => {},
});

function deps(turns: Turn[], tools: GatewayTools = createGatewayTools([echoInterpreter])) {
  const adapter = scriptedAdapter(turns);
  const newId = counterIds();
  const engine: EngineDeps = { adapter, store: null, tools, newId, clock: () => 1_700_000_000, reasoningEvents: 'openai', sealedBlobs: {} as SealedBlobs };
  const prepare: PrepareDeps = { store: null, newId, enabledBuiltins: tools.enabledKinds, tools };
  return { adapter, engine, prepare };
}

async function run(turns: Turn[], body: Record<string, unknown>, tools?: GatewayTools) {
  const d = deps(turns, tools);
  const prepared = await prepareRequest(d.prepare, { model: 'm', store: false, ...body }, 'anonymous');
  const r = new ResponseRun(d.engine, prepared, new Cancellation());
  const events: StreamEvent[] = [];
  for await (const batch of r.events()) events.push(...batch);
  return { events, result: r.result, requests: d.adapter.requests };
}

describe('run loop and composer grammar', () => {
  it('streams one message: created → in_progress → added → part → deltas → done… → completed, numbered in order', async () => {
    const { events, result } = await run([text('Hel', 'lo')], { input: 'hi', stream: true });
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    events.forEach((e, i) => expect(e.sequence_number).toBe(i));
    expect(result.response.status).toBe('completed');
    expect(result.response.output).toMatchObject([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] }]);
    expect(result.response.usage).toMatchObject({ input_tokens: 10, output_tokens: 3, total_tokens: 13 });
  });

  it('announces parallel calls in call order and holds the deltas of a call not yet announced', async () => {
    const interleaved: Turn = [
      [
        { type: 'tool_call.start', index: 0, call_id: 'c0', name: 'a' },
        { type: 'tool_call.start', index: 1, call_id: 'c1', name: 'b' },
        { type: 'tool_call.arguments.delta', index: 1, delta: '{"y":' },
        { type: 'tool_call.arguments.delta', index: 0, delta: '{"x":1}' },
        { type: 'tool_call.arguments.delta', index: 1, delta: '2}' },
        { type: 'tool_call.done', index: 0 },
        { type: 'tool_call.done', index: 1 },
      ],
      [{ type: 'finish', reason: 'tool_calls' }, usage],
    ];
    const fn = (name: string) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } });
    const { events, result } = await run([interleaved], { input: 'go', stream: true, tools: [fn('a'), fn('b')] });
    const seen = events.filter((e) => e.type.startsWith('response.output_item') || e.type.startsWith('response.function_call_arguments')).map((e) => `${e.type}#${e.output_index as number}`);
    expect(seen).toEqual([
      'response.output_item.added#0',
      'response.function_call_arguments.delta#0',
      'response.function_call_arguments.done#0',
      'response.output_item.done#0',
      'response.output_item.added#1',
      'response.function_call_arguments.delta#1',
      'response.function_call_arguments.done#1',
      'response.output_item.done#1',
    ]);
    expect(result.response.output.map((i) => (i.type === 'function_call' ? `${i.name}(${i.arguments})` : i.type))).toEqual(['a({"x":1})', 'b({"y":2})']);
  });

  it('runs a gateway call between turns and replays it to the model as a function call and its output', async () => {
    const turns = [[call(0, 'call_1', 'code_interpreter', ['{"code":', '"1+1"}']), [{ type: 'finish', reason: 'tool_calls' } as ModelEvent]], text('two')];
    const { result, requests } = await run(turns, { input: 'sum', tools: [{ type: 'code_interpreter', container: 'cntr_x' }], include: ['code_interpreter_call.outputs'] });
    expect(result.response.output).toMatchObject([
      { type: 'code_interpreter_call', code: '1+1', status: 'completed', container_id: 'cntr_x', outputs: [{ type: 'logs', logs: 'ran: 1+1' }] },
      { type: 'message', content: [{ text: 'two' }] },
    ]);
    const replay = requests[1]!.items.slice(-2) as Item[];
    expect(replay).toMatchObject([
      { type: 'function_call', name: 'code_interpreter', arguments: '{"code":"1+1"}' },
      { type: 'function_call_output', output: 'ran: 1+1' },
    ]);
  });

  it('stops at max_tool_calls: the last turn is shown no gateway tools', async () => {
    const ci = [call(0, 'call_1', 'code_interpreter', ['{"code":"1"}']), [{ type: 'finish', reason: 'tool_calls' } as ModelEvent]];
    const { requests } = await run([ci, text('done')], { input: 'x', tools: [{ type: 'code_interpreter' }], max_tool_calls: 1 });
    expect(requests.map((r) => r.tools.map((t) => t.name))).toEqual([['code_interpreter'], []]);
  });
});

describe('JSON and streamed results agree', () => {
  const scripts: [string, Turn[], Record<string, unknown>][] = [
    ['text', [text('a', 'b', 'c')], { input: 'hi' }],
    ['client function call', [[call(0, 'c1', 'f', ['{}']), [{ type: 'finish', reason: 'tool_calls' } as ModelEvent]]], { input: 'x', tools: [{ type: 'function', name: 'f' }] }],
    [
      'gateway tool then text',
      [[call(0, 'call_1', 'code_interpreter', ['{"code":"2"}']), [{ type: 'finish', reason: 'tool_calls' } as ModelEvent]], text('ok')],
      { input: 'x', tools: [{ type: 'code_interpreter', container: 'cntr_p' }] },
    ],
    [
      'gateway tool with outputs included',
      [[call(0, 'call_1', 'code_interpreter', ['{"code":"3"}']), [{ type: 'finish', reason: 'tool_calls' } as ModelEvent]], text('ok')],
      { input: 'x', tools: [{ type: 'code_interpreter' }], include: ['code_interpreter_call.outputs'] },
    ],
    ['length-cut text', [[[{ type: 'text.delta', delta: 'trunc' }], [{ type: 'finish', reason: 'length' }, usage]]], { input: 'x', max_output_tokens: 16 }],
  ];
  for (const [name, turns, body] of scripts) {
    it(`${name}: the JSON body equals response.completed's response`, async () => {
      const json = await run(turns, { ...body, stream: false });
      const streamed = await run(turns, { ...body, stream: true });
      const terminal = streamed.events.at(-1)!;
      expect(terminal.type).toMatch(/^response\.(completed|incomplete)$/);
      // What a JSON client receives: the run's result with the include filter the route applies.
      const include = (body.include as string[] | undefined) ?? [];
      expect(filterOutputForClient(json.result.response, include)).toEqual(terminal.response);
      expect(filterOutputForClient(streamed.result.response, include)).toEqual(terminal.response);
    });
  }
});

describe('tool_choice translation', () => {
  const tools = createGatewayTools([echoInterpreter]);
  const fn = (name: string) => ({ type: 'function' as const, name });

  it('names a forced function; keeps every tool', () => {
    expect(modelToolsFor([fn('a'), fn('b')], { type: 'function', name: 'b' }, tools)).toMatchObject({ tools: [{ name: 'a' }, { name: 'b' }], choice: { name: 'b' } });
  });

  it('forces a gateway tool through the one function it shows', () => {
    expect(modelToolsFor([fn('a'), { type: 'code_interpreter' }], { type: 'code_interpreter' }, tools)).toMatchObject({ tools: [{ name: 'a' }, { name: 'code_interpreter' }], choice: { name: 'code_interpreter' } });
  });

  it('allowed_tools restricts the list itself and keeps the mode', () => {
    const set = modelToolsFor([fn('a'), fn('b'), { type: 'code_interpreter' }], { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }, { type: 'code_interpreter' }] }, tools);
    expect(set.tools.map((t) => t.name)).toEqual(['b', 'code_interpreter']);
    expect(set.choice).toBe('required');
  });

  it('a web_search_preview reference matches a web_search entry (one tool, several type names)', () => {
    const set = modelToolsFor([fn('a'), { type: 'web_search' }], { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'web_search_preview' }] }, tools);
    expect(set).toEqual({ tools: [], choice: 'auto' }); // web_search is not registered here: no functions, nothing else kept
  });

  it('without gateway tools (max_tool_calls spent) only client functions remain', () => {
    expect(modelToolsFor([fn('a'), { type: 'code_interpreter' }], 'auto', tools, false).tools.map((t) => t.name)).toEqual(['a']);
  });
});

describe('prepare', () => {
  const prepare = (body: Record<string, unknown>) => prepareRequest(deps([]).prepare, { model: 'm', ...body }, 'anonymous');
  const rejects = async (body: Record<string, unknown>) => {
    const err = (await prepare(body).catch((e: unknown) => e)) as { status: number; param: string | null; code: string | null; message: string };
    return { status: err.status, param: err.param, code: err.code, message: err.message };
  };

  it('names a built-in tool this gateway does not run, by its tool name', async () => {
    expect(await rejects({ input: 'x', tools: [{ type: 'web_search_preview' }] })).toMatchObject({ status: 400, param: 'tools[0].type', code: 'tool_not_enabled', message: expect.stringContaining("'web_search'") });
  });

  it('a tool_choice must name a tool that is present', async () => {
    expect(await rejects({ input: 'x', tools: [{ type: 'function', name: 'a' }], tool_choice: { type: 'function', name: 'b' } })).toMatchObject({ status: 400, param: 'tool_choice', message: "Tool choice 'b' not found in 'tools' parameter." });
    expect(await rejects({ input: 'x', tools: [{ type: 'function', name: 'a' }], tool_choice: { type: 'code_interpreter' } })).toMatchObject({ param: 'tool_choice', message: "Tool choice 'code_interpreter' not found in 'tools' parameter." });
  });

  it('reserves the function names of gateway tools and refuses duplicates', async () => {
    expect(await rejects({ input: 'x', tools: [{ type: 'function', name: 'code_interpreter' }] })).toMatchObject({ param: 'tools[0].name' });
    expect(await rejects({ input: 'x', tools: [{ type: 'function', name: 'mcp__srv__t' }] })).toMatchObject({ param: 'tools[0].name' });
    expect(await rejects({ input: 'x', tools: [{ type: 'code_interpreter' }, { type: 'code_interpreter' }] })).toMatchObject({ param: 'tools[1]', code: 'duplicate_value' });
  });

  it('function calls and outputs must pair up', async () => {
    expect(await rejects({ input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] })).toMatchObject({ param: 'input[0]' });
    expect(await rejects({ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }] })).toMatchObject({ param: 'input', message: 'No tool output found for function call c.' });
    const ok = await prepare({ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c', output: 'r' }] });
    expect(ok.input.map((i) => i.type)).toEqual(['function_call', 'function_call_output']);
  });

  it('normalises a gateway tool item sent back as input the way its tool says', async () => {
    const ok = await prepare({ input: [{ type: 'code_interpreter_call', id: 'ci_1', code: 'x' }, { role: 'user', content: 'again' }] });
    expect(ok.input[0]).toEqual({ type: 'code_interpreter_call', id: 'ci_1', code: 'x', container_id: '', status: 'completed', outputs: null });
  });
});

describe('automatic compaction in a tool loop', () => {
  /** Counts 10 tokens per item the turn sends, so the count grows as the tool loop appends items. */
  const perItem: TokenCounter = { count: async (turn) => ({ tokens: turn.items.length * 10, exact: true }), maxModelLen: async () => null };
  const history = [
    { role: 'user', content: 'old question' },
    { role: 'assistant', content: 'old answer' },
    { role: 'user', content: 'middle question' },
    { role: 'assistant', content: 'middle answer' },
    { role: 'user', content: 'now' },
  ];

  async function runCompacting(turns: Turn[], threshold: number) {
    const d = deps(turns);
    // What each turn sent, as it was sent (the engine keeps one conversation array and edits it).
    const sent: string[] = [];
    const adapter: UpstreamAdapter = { streamTurn: (req) => (sent.push(JSON.stringify(req.items)), d.adapter.streamTurn(req)) };
    const engine: EngineDeps = { ...d.engine, adapter, tokenCounter: perItem, sealedBlobs: new SealedBlobs(generateSealingKey()) };
    const prepared = await prepareRequest(d.prepare, { model: 'm', store: false, input: history, tools: [{ type: 'code_interpreter' }], context_management: [{ type: 'compaction', compact_threshold: threshold }] }, 'anonymous');
    const r = new ResponseRun(engine, prepared, new Cancellation());
    for await (const _batch of r.events());
    return { result: r.result, sent };
  }

  it('compacts between turns once the tool outputs push the input over the threshold, and only once', async () => {
    const ci = (id: string) => [call(0, id, 'code_interpreter', ['{"code":"1"}']), [{ type: 'finish', reason: 'tool_calls' } as ModelEvent]];
    // 5 input items = 50 tokens (under 60); after one call + output, 70: compact before turn 2.
    const turns = [ci('call_1'), text('the summary'), ci('call_2'), text('done')];
    const { result, sent } = await runCompacting(turns, 60);
    expect(result.response.status).toBe('completed');
    expect(result.response.output.map((i) => i.type)).toEqual(['code_interpreter_call', 'compaction', 'code_interpreter_call', 'message']);
    expect(sent[0]).toContain('old question');
    // The summary call (turn 2 of the adapter) sees the older turn; the next turn sees the summary instead.
    expect(sent[1]).toContain('old question');
    expect(sent[2]).not.toContain('old question');
    expect(sent[2]).toContain('the summary');
    // Still over the threshold after compacting (the loop's growth is in the kept turn): no second summary.
    expect(sent).toHaveLength(4);
  });

  it('does not compact when nothing older than the kept turns is there to summarise', async () => {
    const d = deps([text('plain')]);
    const engine: EngineDeps = { ...d.engine, tokenCounter: perItem, sealedBlobs: new SealedBlobs(generateSealingKey()) };
    const prepared = await prepareRequest(d.prepare, { model: 'm', store: false, input: 'only one turn', context_management: [{ type: 'compaction', compact_threshold: 1 }] }, 'anonymous');
    const r = new ResponseRun(engine, prepared, new Cancellation());
    for await (const _batch of r.events());
    expect(r.result.response.output.map((i) => i.type)).toEqual(['message']);
    expect(d.adapter.requests).toHaveLength(1);
  });
});

describe('cost of a plain JSON request', () => {
  /** Promises created while `fn` runs (every await and async call creates at least one). */
  async function promisesDuring(fn: () => Promise<void>): Promise<number> {
    let n = 0;
    const stop = promiseHooks.onInit(() => {
      n++;
    });
    try {
      await fn();
    } finally {
      stop();
    }
    return n;
  }

  it('skips, rather than awaits, the steps a plain request has nothing for (conversation, references, tool preparation and start steps, compaction, empty batches)', async () => {
    const d = deps([text('Hello')]);
    const count = await promisesDuring(async () => {
      const prepared = await prepareRequest(d.prepare, { model: 'm', store: false, input: 'hi' }, 'anonymous');
      const r = new ResponseRun(d.engine, prepared, new Cancellation());
      for await (const _batch of r.events());
      expect(r.result.response.output.map((i) => i.type)).toEqual(['message']);
    });
    // Each skipped step used to cost 2–6 promises (54 in all before, 29 after, with this
    // scripted adapter's own async generator); what is left is the run's generators and the adapter's.
    expect(count).toBeLessThanOrEqual(32);
  });
});
