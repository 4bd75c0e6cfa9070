/**
 * Response-store benchmark: hydration latency (`getHistory` of the last turn, median of
 * several runs) for 10, 100 and 1,000-turn conversations, and database bytes per turn, on
 * SQLite and (when VR_TEST_POSTGRES_URL or BENCH_POSTGRES_URL is set) PostgreSQL.
 * Each turn is one ~200-char user message in and one ~200-char assistant message out, with a
 * response object shaped like the gateway's.
 *
 * Goals: 1,000-turn hydration < 20 ms on SQLite; linear storage, i.e.
 * bytes(1,000 turns) ≤ 1.2 × 10 × bytes(100 turns).
 *
 * Standalone: `npx tsx bench/store.ts` prints the markdown section.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { MessageItem } from '../src/api/items.js';
import { PostgresResponseStore } from '../src/store/postgres-store.js';
import { SqliteResponseStore } from '../src/store/sqlite-store.js';
import type { ResponseStore, StoredResponseRecord } from '../src/store/types.js';
import { isEntryPoint, printAndExit } from './support/script.js';

const TURN_COUNTS = [10, 100, 1000] as const;
/** Every benchmark record belongs to this principal (reads must name it, as requests do). */
const TEST_OWNER = 'bench-owner';
const RUNS = 21;

interface Result {
  turns: number;
  medianMs: number;
  bytes: number;
  bytesPerTurn: number;
}

interface Backend {
  name: string;
  /** A fresh, initialised store plus a way to measure its size and remove it. */
  open(): Promise<{ store: ResponseStore; bytes(): Promise<number>; dispose(): Promise<void> }>;
}

const id = (prefix: string): string => `${prefix}_${randomBytes(24).toString('hex')}`;

/** ~200 chars of text that does not compress to nothing. */
function sentence(n: number): string {
  const words = ['the', 'gateway', 'stores', 'each', 'response', 'once', 'and', 'rebuilds', 'history', 'from', 'its', 'parent', 'chain', 'on', 'demand'];
  let s = `Turn ${n}:`;
  while (s.length < 200) s += ` ${words[(s.length * 7 + n) % words.length]}`;
  return s.slice(0, 200);
}

function record(n: number, parentId: string | null): StoredResponseRecord {
  const rid = id('resp');
  const input: MessageItem = { type: 'message', id: id('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text: sentence(n) }] };
  const output: MessageItem = {
    type: 'message',
    id: id('msg'),
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: sentence(n + 1), annotations: [] }],
  };
  return {
    id: rid,
    parentId,
    owner: TEST_OWNER,
    inputItems: [input],
    outputItems: [output],
    createdAt: 1_700_000_000 + n,
    response: {
      id: rid,
      object: 'response',
      created_at: 1_700_000_000 + n,
      status: 'completed',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      instructions: null,
      previous_response_id: parentId,
      output: [output],
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      temperature: 1,
      top_p: 1,
      truncation: 'disabled',
      text: { format: { type: 'text' } },
      reasoning: { effort: null, summary: null },
      metadata: {},
      store: true,
      usage: { input_tokens: 50 * n, input_tokens_details: { cached_tokens: 0 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 50 * n + 50 },
    },
  };
}

async function measure(backend: Backend, turns: number): Promise<Result> {
  // `h.store` is read on every use: measuring SQLite bytes reopens the store.
  const h = await backend.open();
  try {
    const emptyBytes = await h.bytes();
    let parentId: string | null = null;
    for (let n = 0; n < turns; n++) {
      const rec = record(n, parentId);
      await h.store.put(rec);
      parentId = rec.id;
    }
    const anchor = parentId!;
    const times: number[] = [];
    for (let i = 0; i < RUNS + 3; i++) {
      const started = performance.now();
      const history = await h.store.getHistory(anchor, TEST_OWNER);
      const elapsed = performance.now() - started;
      if (history?.items.length !== turns * 2) throw new Error(`hydrated ${history?.items.length} items, expected ${turns * 2}`);
      if (i >= 3) times.push(elapsed); // the first runs warm caches and JIT
    }
    times.sort((a, b) => a - b);
    const total = await h.bytes();
    return { turns, medianMs: times[Math.floor(times.length / 2)]!, bytes: total, bytesPerTurn: (total - emptyBytes) / turns };
  } finally {
    await h.dispose();
  }
}

const sqliteBackend: Backend = {
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'vr-bench-'));
    const path = join(dir, 'bench.db');
    let store = new SqliteResponseStore({ path });
    await store.init();
    return {
      get store() {
        return store;
      },
      // Closing the last connection checkpoints the WAL into the main file: measure that.
      async bytes() {
        await store.close();
        const size = statSync(path).size;
        store = new SqliteResponseStore({ path });
        await store.init();
        return size;
      },
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgresBackend(url: string): Backend {
  return {
    name: 'PostgreSQL',
    async open() {
      const schema = `vr_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
      const store = new PostgresResponseStore({ connectionString: url, schema });
      await store.init();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      return {
        store,
        async bytes() {
          // Heap + indexes + TOAST of every table in the schema.
          const { rows } = await admin.query<{ bytes: string }>(
            `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relkind = 'r'`,
            [schema],
          );
          return Number(rows[0]?.bytes ?? 0);
        },
        async dispose() {
          await store.close();
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
  };
}

function table(name: string, results: Result[]): string {
  const lines = [
    `#### ${name}`,
    '',
    '| turns | hydration median (ms) | database bytes | bytes per turn |',
    '|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.turns.toLocaleString('en-US')} | ${r.medianMs.toFixed(2)} | ${r.bytes.toLocaleString('en-US')} | ${Math.round(r.bytesPerTurn).toLocaleString('en-US')} |`),
  ];
  const r100 = results.find((r) => r.turns === 100);
  const r1000 = results.find((r) => r.turns === 1000);
  if (r100 && r1000) {
    const ratio = r1000.bytes / (10 * r100.bytes);
    lines.push('', `Linearity: bytes(1,000) / (10 × bytes(100)) = ${ratio.toFixed(3)} (goal ≤ 1.2: ${ratio <= 1.2 ? 'met' : 'NOT met'}).`);
    if (name === 'SQLite') lines.push(`1,000-turn hydration: ${r1000.medianMs.toFixed(2)} ms (goal < 20 ms: ${r1000.medianMs < 20 ? 'met' : 'NOT met'}).`);
  }
  return lines.join('\n');
}

export async function runStoreBench(): Promise<string> {
  const backends: Backend[] = [sqliteBackend];
  const pgUrl = process.env.BENCH_POSTGRES_URL || process.env.VR_TEST_POSTGRES_URL;
  if (pgUrl) backends.push(postgresBackend(pgUrl));
  const sections = [
    '### Response store',
    '',
    `Hydration = \`getHistory\` of the last turn (one recursive-CTE query), median of ${RUNS} runs after 3 warm-ups. ` +
      'Each turn: one ~200-char user message in, one ~200-char assistant message out, plus its response object. ' +
      'Bytes per turn excludes the empty schema.',
  ];
  for (const backend of backends) {
    const results: Result[] = [];
    for (const turns of TURN_COUNTS) results.push(await measure(backend, turns));
    sections.push('', table(backend.name, results));
  }
  if (!pgUrl) sections.push('', '_PostgreSQL skipped: set BENCH_POSTGRES_URL or VR_TEST_POSTGRES_URL._');
  return sections.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  printAndExit(runStoreBench());
}
