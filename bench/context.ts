/**
 * Context-management benchmark, through the real CLI (one in-process worker, SQLite) in front of
 * the bench upstream child (which serves vLLM's `/tokenize` like the test fake):
 *
 * - a 1,000-turn conversation (2,000 items): hydration alone (the store read, in this process),
 *   `POST /v1/responses/input_tokens` with `conversation` (hydration + rendering + the upstream's
 *   `/tokenize`), the upstream's `/tokenize` of the same rendered body alone, and a full
 *   `POST /v1/responses` turn on it (hydration, upstream call, append);
 * - compaction round trip: `POST /v1/responses/compact` of a 50-turn input versus a plain
 *   `POST /v1/responses` with the same input. Each makes one upstream call; the upstream's own
 *   time is read from the gateway's `upstream_request_duration_seconds` metric, so "overhead" is
 *   wall time minus that (what the gateway adds beyond the upstream's summary time); plus the
 *   seal/open cost of a compaction blob.
 *
 * Wall times on a shared machine are noisy; the gateway's CPU time per request (`/proc/<pid>/stat`)
 * is the steadier figure. Standalone: `npx tsx bench/context.ts` prints the markdown section
 * (about 30 s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSealingKey, SealedBlobs } from '../src/crypto/sealed-blob.js';
import { SqliteResponseStore } from '../src/store/sqlite-store.js';
import { cpuMs, startGatewayProcess, startUpstreamChild } from './support/processes.js';
import { fmtMs, percentile, table } from './support/stats.js';
import { isEntryPoint, printAndExit } from './support/script.js';

const TURNS = 1000;
const RUNS = 15;
const text = (i: number, role: string) => `${role} turn ${i}: ${'lorem ipsum dolor sit amet '.repeat(6)}`;

async function post(url: string, body: unknown): Promise<{ ms: number; json: any }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as any;
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
  return { ms, json };
}

interface Timed {
  /** Wall time of each run, ms. */
  ms: number[];
  /** Gateway and upstream CPU time per run (mean), ms. */
  gatewayCpu: number;
  upstreamCpu: number;
  /** The upstream's own time per run (mean, from the gateway's upstream duration metric), ms; null when not measured. */
  upstreamMs: number | null;
}

interface Pids {
  gateway: number;
  upstream: number;
  /** Sum of the gateway's `upstream_request_duration_seconds` (all api kinds), seconds. */
  upstreamSeconds: () => Promise<number>;
}

async function timed(runs: number, pids: Pids | null, fn: () => Promise<number>): Promise<Timed> {
  await fn(); // warm-up
  const cpu0 = pids ? { g: cpuMs(pids.gateway), u: cpuMs(pids.upstream), s: await pids.upstreamSeconds() } : null;
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push(await fn());
  if (!pids || !cpu0) return { ms, gatewayCpu: 0, upstreamCpu: 0, upstreamMs: null };
  return {
    ms,
    gatewayCpu: (cpuMs(pids.gateway) - cpu0.g) / runs,
    upstreamCpu: (cpuMs(pids.upstream) - cpu0.u) / runs,
    upstreamMs: ((await pids.upstreamSeconds()) - cpu0.s) * 1000 / runs,
  };
}

/** The gateway's own metric: total seconds spent in upstream requests so far. */
async function upstreamSecondsOf(origin: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^vllm_responses_upstream_request_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm)) sum += Number(m[1]);
  return sum;
}

const row = (name: string, t: Timed) => [name, fmtMs(percentile(t.ms, 50)), fmtMs(percentile(t.ms, 95)), fmtMs(t.gatewayCpu), fmtMs(t.upstreamCpu)];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function runContextBench(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vr-bench-context-'));
  const dbFile = join(dir, 'context.db');
  const upstream = await startUpstreamChild();
  const gw = await startGatewayProcess({ upstreamUrl: upstream.url, dbPath: `sqlite:///${dbFile}` });
  try {
    const v1 = `${gw.url}/v1`;
    const conv = (await post(`${v1}/conversations`, {})).json as { id: string };
    for (let start = 0; start < TURNS; start += 50) {
      const items: { role: string; content: string }[] = [];
      for (let i = start; i < start + 50; i++) items.push({ role: 'user', content: text(i, 'user') }, { role: 'assistant', content: text(i, 'assistant') });
      await post(`${v1}/conversations/${conv.id}/items`, { items });
    }
    const model = ((await (await fetch(`${v1}/models`)).json()) as { data: { id: string }[] }).data[0]!.id;
    const pids: Pids = { gateway: gw.pid, upstream: upstream.child.pid!, upstreamSeconds: () => upstreamSecondsOf(gw.url) };
    const counted = await timed(RUNS, pids, async () => (await post(`${v1}/responses/input_tokens`, { model, input: 'one more question', conversation: conv.id })).ms);
    const tokens = (await post(`${v1}/responses/input_tokens`, { model, input: 'one more question', conversation: conv.id })).json.input_tokens as number;

    // The upstream's own share of that: `/tokenize` of the same rendered messages, sent directly.
    const messages: { role: string; content: string }[] = [];
    for (let i = 0; i < TURNS; i++) messages.push({ role: 'user', content: text(i, 'user') }, { role: 'assistant', content: text(i, 'assistant') });
    messages.push({ role: 'user', content: 'one more question' });
    const tokenizeUrl = `${new URL(upstream.url).origin}/tokenize`;
    const direct = await timed(RUNS, pids, async () => {
      const { ms, json } = await post(tokenizeUrl, { model, messages, add_generation_prompt: true });
      if (json.count !== tokens) throw new Error(`/tokenize counted ${json.count}, the gateway reported ${tokens}: the bench's rendering differs`);
      return ms;
    });

    // Hydration alone, on the gateway's own database file (read-only use from here, in this process).
    const store = new SqliteResponseStore({ path: dbFile });
    await store.init();
    const hydrate = await timed(RUNS, null, async () => {
      const started = performance.now();
      const items = await store.getConversationItems(conv.id, 'anonymous');
      if (!items || items.length < TURNS * 2) throw new Error('hydration returned too few items');
      return performance.now() - started;
    });
    await store.close();

    // A full turn on the conversation (appends 2 items per run: the conversation grows by 32 items).
    const turn = await timed(RUNS, pids, async () => (await post(`${v1}/responses`, { model, input: 'short', conversation: conv.id, max_output_tokens: 16 })).ms);

    // Compaction round trip versus a plain turn with the same 50-turn input.
    const input: { role: string; content: string }[] = [];
    for (let i = 0; i < 50; i++) input.push({ role: 'user', content: text(i, 'user') }, { role: 'assistant', content: text(i, 'assistant') });
    input.push({ role: 'user', content: 'and now?' });
    const plain = await timed(RUNS, pids, async () => (await post(`${v1}/responses`, { model, input, store: false, max_output_tokens: 16 })).ms);
    const compacted = await timed(RUNS, pids, async () => (await post(`${v1}/responses/compact`, { model, input })).ms);

    const blobs = new SealedBlobs(generateSealingKey());
    const payload = { v: 1, pinned: [], summary: 'x'.repeat(8_000), after: input };
    const seal = await timed(200, null, async () => {
      const started = performance.now();
      blobs.open('compaction', blobs.seal('compaction', payload), 'p');
      return performance.now() - started;
    });

    const overhead = (t: Timed) => mean(t.ms) - (t.upstreamMs ?? 0);
    const header = ['operation', 'p50', 'p95', 'gateway CPU / req', 'upstream CPU / req'];
    return [
      '## Context management',
      '',
      `A ${TURNS.toLocaleString('en-US')}-turn conversation (${(TURNS * 2).toLocaleString('en-US')} items, ${tokens.toLocaleString('en-US')} input tokens by the upstream's /tokenize), ${RUNS} runs each after a warm-up, through the CLI (1 in-process worker, SQLite). CPU columns: \`/proc/<pid>/stat\` user+system per request, mean (– = not a gateway request):`,
      '',
      table(header, [
        [...row('hydration alone (store read of all items, in the bench process)', hydrate).slice(0, 3), '–', '–'],
        row('`POST /v1/responses/input_tokens` with `conversation` (hydrate + render + /tokenize)', counted),
        [...row('upstream `POST /tokenize` of the same messages, sent directly', direct).slice(0, 3), '–', fmtMs(direct.upstreamCpu)],
        row('`POST /v1/responses` with `conversation` (hydrate + upstream + append)', turn),
      ]),
      '',
      'Compaction round trip of a 50-turn input (101 items) against a plain turn with the same input; each makes one upstream call. "Upstream time" is the gateway\'s own `upstream_request_duration_seconds` per request; the overhead is mean wall time minus it, i.e. what the gateway adds beyond the upstream\'s summary time (for compact this includes the `/tokenize` round trip that sizes the summary call to the context, which that metric does not count):',
      '',
      table(
        [...header, 'upstream time / req', 'overhead / req'],
        [
          [...row('`POST /v1/responses` (same input, store: false)', plain), fmtMs(plain.upstreamMs ?? 0), fmtMs(overhead(plain))],
          [...row('`POST /v1/responses/compact`', compacted), fmtMs(compacted.upstreamMs ?? 0), fmtMs(overhead(compacted))],
          [...row('seal + open of the compaction blob (in the bench process)', seal).slice(0, 3), '–', '–', '–', '–'],
        ],
      ),
      '',
      `Compaction overhead beyond the upstream's summary time: ${fmtMs(overhead(compacted))} per request (a plain turn with the same input: ${fmtMs(overhead(plain))}); gateway CPU ${fmtMs(compacted.gatewayCpu)} vs ${fmtMs(plain.gatewayCpu)} per request.`,
      '',
    ].join('\n');
  } finally {
    await gw.stop();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isEntryPoint(import.meta.url)) {
  printAndExit(runContextBench());
}
