/**
 * Context-management benchmark, through the real CLI (one worker, SQLite) in front of the bench
 * upstream child (which serves vLLM's `/tokenize` like the test fake):
 *
 * - a 1,000-turn conversation (2,000 items): `POST /v1/responses/input_tokens` with
 *   `conversation` (hydration + rendering + the upstream's `/tokenize`), a full
 *   `POST /v1/responses` turn on it (hydration, upstream call, append), and hydration alone
 *   (`GET …/items` paging is not the hot path; the store read is measured directly);
 * - compaction round trip: `POST /v1/responses/compact` of a 50-turn input versus a plain
 *   `POST /v1/responses` with the same input (both make exactly one upstream call, so the
 *   difference is the gateway's compaction overhead beyond the upstream's summary time), and the
 *   seal/open cost of a compaction blob.
 *
 * Standalone: `npx tsx bench/context.ts` prints the markdown section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateSealingKey, SealedBlobs } from '../src/crypto/sealed-blob.js';
import { SqliteResponseStore } from '../src/store/sqlite-store.js';
import { startGatewayProcess, startUpstreamChild } from './support/processes.js';
import { fmtMs, percentile, table } from './support/stats.js';

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

async function timed(runs: number, fn: () => Promise<number>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

const row = (name: string, ms: number[]) => [name, fmtMs(percentile(ms, 50)), fmtMs(percentile(ms, 95))];

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
    const counted = await timed(RUNS, async () => (await post(`${v1}/responses/input_tokens`, { model, input: 'one more question', conversation: conv.id })).ms);
    const tokens = (await post(`${v1}/responses/input_tokens`, { model, input: 'x', conversation: conv.id })).json.input_tokens as number;

    // Hydration alone, on the gateway's own database file (read-only use from here).
    const store = new SqliteResponseStore({ path: dbFile });
    await store.init();
    const hydrate = await timed(RUNS, async () => {
      const started = performance.now();
      const items = await store.getConversationItems(conv.id, 'anonymous');
      if (!items || items.length < TURNS * 2) throw new Error('hydration returned too few items');
      return performance.now() - started;
    });
    await store.close();

    // A full turn on the conversation (appends 2 items per run: the conversation grows by 32 items).
    const turn = await timed(RUNS, async () => (await post(`${v1}/responses`, { model, input: 'short', conversation: conv.id, max_output_tokens: 16 })).ms);

    // Compaction round trip versus a plain turn with the same 50-turn input.
    const input: { role: string; content: string }[] = [];
    for (let i = 0; i < 50; i++) input.push({ role: 'user', content: text(i, 'user') }, { role: 'assistant', content: text(i, 'assistant') });
    input.push({ role: 'user', content: 'and now?' });
    const plain = await timed(RUNS, async () => (await post(`${v1}/responses`, { model, input, store: false, max_output_tokens: 16 })).ms);
    const compacted = await timed(RUNS, async () => (await post(`${v1}/responses/compact`, { model, input })).ms);

    const blobs = new SealedBlobs(generateSealingKey());
    const payload = { v: 1, pinned: [], summary: 'x'.repeat(8_000), after: input };
    const seal = await timed(200, async () => {
      const started = performance.now();
      blobs.open('compaction', blobs.seal('compaction', payload), 'p');
      return performance.now() - started;
    });

    return [
      '## Context management',
      '',
      `A ${TURNS.toLocaleString('en-US')}-turn conversation (${(TURNS * 2).toLocaleString('en-US')} items, ${tokens.toLocaleString('en-US')} input tokens by the upstream's /tokenize), ${RUNS} runs each after a warm-up, through the CLI (1 worker, SQLite):`,
      '',
      table(
        ['operation', 'p50', 'p95'],
        [
          row('hydration alone (store read of all items)', hydrate),
          row('`POST /v1/responses/input_tokens` with `conversation` (hydrate + render + /tokenize)', counted),
          row('`POST /v1/responses` with `conversation` (hydrate + upstream + append)', turn),
        ],
      ),
      '',
      'Compaction round trip of a 50-turn input (101 items); the bench upstream answers at once, so the difference to a plain turn is the gateway overhead beyond the upstream\'s own summary time:',
      '',
      table(
        ['operation', 'p50', 'p95'],
        [
          row('`POST /v1/responses` (same input, store: false)', plain),
          row('`POST /v1/responses/compact`', compacted),
          row('seal + open of the compaction blob (in process)', seal),
        ],
      ),
      '',
      `Compaction overhead (p50 compact − p50 plain turn): ${fmtMs(percentile(compacted, 50) - percentile(plain, 50))}.`,
      '',
    ].join('\n');
  } finally {
    await gw.stop();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runContextBench().then(
    (md) => {
      console.log(md);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
