/**
 * The bench's fast fake upstream, run as its own process (forked with `--import tsx`) so that
 * neither the gateway nor the load generator shares its event loop. It reuses the test suite's
 * scripted upstream; the model name picks the scenario:
 *
 * - `bench-<N>`  — an answer of N tokens (`tok0 tok1 …`). Streamed as N content chunks with no
 *   delay (plus role, finish and usage chunks), or one JSON completion for `stream: false`.
 * - `bench-hold` — a stream that sends its first token at once, then one delta every
 *   HOLD_TICK_MS, and finishes only when the parent sends `{ type: 'release' }` over IPC.
 *
 * IPC: the child sends `{ type: 'ready', url }` once listening; it answers `{ type: 'stats' }`
 * with `{ type: 'stats', held, served }` and `{ type: 'release' }` with `{ type: 'released', n }`.
 * It exits when the parent disconnects, so it can never outlive the bench.
 */
import type { ServerResponse } from 'node:http';
import { chunk, sendJson, sendSse, startFakeUpstream, textChunks, usageChunk, type RecordedRequest } from '../../test/support/fake-upstream.js';

import { benchModel, benchToken, HOLD_MODEL } from './tokens.js';

/** `BENCH_HOLD_TICK_MS` slows the held streams down (the 10,000-stream bench measures memory, not delta rate). */
const HOLD_TICK_MS = Number(process.env.BENCH_HOLD_TICK_MS) || 500;

interface Scenario {
  /** Pre-serialised SSE payloads: the upstream's own JSON cost stays out of the measurement. */
  sse: string[];
  content: string;
  tokens: number;
}

const scenarios = new Map<number, Scenario>();

function scenario(tokens: number): Scenario {
  let s = scenarios.get(tokens);
  if (!s) {
    const pieces = Array.from({ length: tokens }, (_, i) => benchToken(i));
    s = { sse: textChunks(pieces).map((c) => JSON.stringify(c)), content: pieces.join(''), tokens };
    scenarios.set(tokens, s);
  }
  return s;
}

const held = new Set<ServerResponse>();
let served = 0;

function writeChunk(res: ServerResponse, c: Record<string, unknown>): void {
  if (!res.destroyed) res.write(`data: ${JSON.stringify(c)}\n\n`);
}

function hold(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  writeChunk(res, chunk({ role: 'assistant', content: '' }));
  writeChunk(res, chunk({ content: benchToken(0) }));
  held.add(res);
  res.on('close', () => held.delete(res));
}

function release(): number {
  const n = held.size;
  for (const res of held) {
    writeChunk(res, chunk({}, 'stop'));
    writeChunk(res, usageChunk(10, 2));
    if (!res.destroyed) res.end('data: [DONE]\n\n');
  }
  held.clear();
  return n;
}

async function handle(req: RecordedRequest, res: ServerResponse): Promise<void> {
  served++;
  const model = String(req.body?.model ?? '');
  if (model === HOLD_MODEL) return hold(res);
  const tokens = Number(/^bench-(\d+)$/.exec(model)?.[1] ?? 20);
  const s = scenario(tokens);
  if (req.body?.stream) return sendSse(res, s.sse);
  sendJson(res, 200, {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: s.content }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: s.tokens, total_tokens: 10 + s.tokens },
  });
}

async function main(): Promise<void> {
  const upstream = await startFakeUpstream({
    // BENCH_UPSTREAM_HTTP2=1: cleartext HTTP/2, for a gateway run with VR_UPSTREAM_HTTP2=1.
    http2: process.env.BENCH_UPSTREAM_HTTP2 === '1',
    models: [benchModel(20), benchModel(500), HOLD_MODEL],
    handler: (req, res) => {
      // The fake records every request for tests; a bench sends hundreds of thousands.
      upstream.requests.length = 0;
      return handle(req, res);
    },
  });
  const ticker = setInterval(() => {
    for (const res of held) writeChunk(res, chunk({ content: 'tick ' }));
  }, HOLD_TICK_MS);
  process.on('message', (msg: { type?: string }) => {
    if (msg?.type === 'release') process.send?.({ type: 'released', n: release() });
    else if (msg?.type === 'stats') process.send?.({ type: 'stats', held: held.size, served });
  });
  process.on('disconnect', () => {
    clearInterval(ticker);
    release();
    void upstream.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
  process.send?.({ type: 'ready', url: upstream.url });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
