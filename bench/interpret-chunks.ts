/**
 * Micro-benchmark of the Chat Completions chunk interpreter (the per-chunk cost on the streaming
 * hot path): CPU time per chunk over a realistic mix (text deltas with usage-less chunks, a
 * reasoning prefix, a parallel tool-call turn). Process CPU (user + system), not wall time, so it
 * reads the same on a busy machine. Usage: `npx tsx bench/interpret-chunks.ts [rounds]`.
 *
 * A second line compares the two ways a text chunk's SSE data is read: JSON.parse + the
 * interpreter (every chunk before plain-text-chunk.ts) and readPlainTextChunk + plainText.
 */
import { createChunkInterpreter } from '../src/upstream/chat-completions/interpret-chunks.js';
import { readPlainTextChunk } from '../src/upstream/chat-completions/plain-text-chunk.js';

function textTurn(): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < 20; i++) out.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { reasoning: 'think ' }, logprobs: null, finish_reason: null }] });
  for (let i = 0; i < 200; i++) out.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'token ' }, logprobs: null, finish_reason: null }] });
  out.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] });
  out.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 10, completion_tokens: 220, total_tokens: 230 } });
  return out;
}

function toolTurn(): unknown[] {
  const out: unknown[] = [];
  for (const index of [0, 1]) {
    out.push({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }] });
    for (let i = 0; i < 30; i++) out.push({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: '{"ci' } }] }, finish_reason: null }] });
  }
  out.push({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
  return out;
}

// Parsed once: the interpreter receives parsed objects (JSON.parse is the SSE parser's cost).
const turns = [textTurn(), toolTurn()].map((t) => t.map((c) => JSON.parse(JSON.stringify(c)) as unknown));
const chunksPerRound = turns.reduce((n, t) => n + t.length, 0);
let ids = 0;
const gen = () => `call_gen_${ids++}`;

function round(): number {
  let events = 0;
  for (const turn of turns) {
    const it = createChunkInterpreter(gen);
    for (const c of turn) events += it.chunk(c).length;
    events += it.end(true).length;
  }
  return events;
}

const rounds = Number(process.argv[2] ?? 20000);
for (let i = 0; i < 2000; i++) round(); // warm-up (JIT)
const before = process.cpuUsage();
let sink = 0;
for (let i = 0; i < rounds; i++) sink += round();
const used = process.cpuUsage(before);
const ns = ((used.user + used.system) * 1000) / (rounds * chunksPerRound);
console.log(`${rounds} rounds × ${chunksPerRound} chunks: ${ns.toFixed(0)} ns CPU per chunk (events ${sink})`);

/** CPU ns per call of `read` over the text chunks' data strings (a vLLM-shaped chunk per token). */
function perTextChunk(read: (data: string, it: ReturnType<typeof createChunkInterpreter>) => number): number {
  const data = Array.from({ length: 500 }, (_, i) => JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: `tok${i} ` }, logprobs: null, finish_reason: null }] }));
  const pass = () => {
    const it = createChunkInterpreter(gen);
    for (const d of data) sink += read(d, it);
  };
  for (let i = 0; i < 200; i++) pass();
  const start = process.cpuUsage();
  const passes = Math.max(1, Math.round(rounds / 20));
  for (let i = 0; i < passes; i++) pass();
  const cpu = process.cpuUsage(start);
  return ((cpu.user + cpu.system) * 1000) / (passes * data.length);
}
const full = perTextChunk((d, it) => it.chunk(JSON.parse(d)).length);
const fast = perTextChunk((d, it) => (it.plainText(readPlainTextChunk(d)!) ? 1 : 0));
console.log(`text chunk from its SSE data: JSON.parse + chunk() ${full.toFixed(0)} ns, readPlainTextChunk + plainText() ${fast.toFixed(0)} ns CPU`);
