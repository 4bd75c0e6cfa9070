/**
 * Background runs and WebSocket mode, through the real CLI (SQLite; PostgreSQL too when
 * BENCH_POSTGRES_URL or VR_TEST_POSTGRES_URL is set), fake upstream in its own process:
 *
 * - events persisted per second: a background response of 2,000 tokens (≈ 2,010 events) as
 *   fast as the upstream sends them, from accepted to `completed`, every event then replayed
 *   from the store and counted;
 * - the added latency of a background stream (events go through the store's event log) vs a
 *   foreground one: first text delta and end of stream, medians and their ratio;
 * - memory of 1,000 idle WebSocket connections (gateway VmRSS before and after).
 *
 *   npx tsx bench/runs.ts            # this section only (build first: npm run build)
 *   BENCH_QUICK=1 npx tsx bench/runs.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { WebSocket } from 'ws';
import { rssMiB, startGatewayProcess, startUpstreamChild, type GatewayProcess } from './support/processes.js';
import { fmtMs, fmtNum, percentile, sleep, table } from './support/stats.js';
import { benchModel } from './support/tokens.js';
import { isEntryPoint, printAndExit } from './support/script.js';

const QUICK = process.env.BENCH_QUICK === '1';
const PERSIST_TOKENS = 2000;
const LATENCY_TOKENS = 200;
const LATENCY_ROUNDS = QUICK ? 5 : 15;
const WS_CONNECTIONS = 1000;

async function post(gw: GatewayProcess, body: unknown): Promise<Response> {
  return fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Events per second of one background run, measured until it is `completed`; all events counted back from the store. */
async function persistRate(gw: GatewayProcess): Promise<{ events: number; ms: number }> {
  const started = performance.now();
  const created = (await (await post(gw, { model: benchModel(PERSIST_TOKENS), input: 'go', background: true })).json()) as { id: string };
  for (;;) {
    const r = (await (await fetch(`${gw.url}/v1/responses/${created.id}`)).json()) as { status: string };
    if (r.status !== 'queued' && r.status !== 'in_progress') break;
    await sleep(5);
  }
  const ms = performance.now() - started;
  const replay = await (await fetch(`${gw.url}/v1/responses/${created.id}?stream=true`)).text();
  const events = replay.split('\nevent: ').length; // first frame starts without a leading newline
  return { events, ms };
}

/** First text delta and end of stream for one streamed request. */
async function streamTimes(gw: GatewayProcess, background: boolean): Promise<{ first: number; total: number }> {
  const started = performance.now();
  const res = await post(gw, { model: benchModel(LATENCY_TOKENS), input: 'go', stream: true, background });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let first = -1;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (first < 0 && text.includes('response.output_text.delta')) first = performance.now() - started;
    if (text.length > 4096) text = text.slice(-64);
  }
  return { first, total: performance.now() - started };
}

async function wsMemory(gw: GatewayProcess): Promise<{ before: number; after: number; open: number }> {
  await sleep(500);
  const before = rssMiB(gw.pid);
  const sockets: WebSocket[] = [];
  let open = 0;
  for (let i = 0; i < WS_CONNECTIONS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, WS_CONNECTIONS - i) }, () => new Promise<void>((resolve) => {
        const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/v1/responses`);
        sockets.push(ws);
        ws.once('open', () => {
          open++;
          resolve();
        });
        ws.once('error', () => resolve());
      })),
    );
  }
  await sleep(1000);
  const after = rssMiB(gw.pid);
  for (const ws of sockets) ws.terminate();
  return { before, after, open };
}

async function backendSection(name: string, dbPath: string, upstreamUrl: string, withWs: boolean): Promise<string[]> {
  const gw = await startGatewayProcess({ upstreamUrl, dbPath });
  try {
    const out: string[] = [`### ${name}`, ''];
    await persistRate(gw); // warm-up
    const rates: number[] = [];
    for (let i = 0; i < (QUICK ? 2 : 3); i++) {
      const r = await persistRate(gw);
      rates.push((r.events / r.ms) * 1000);
    }
    out.push(`Events persisted: a background response of ${PERSIST_TOKENS} tokens, accepted → \`completed\`, every event replayed back from the store: median **${fmtNum(percentile(rates, 50))} events/s** (runs: ${rates.map((r) => fmtNum(r)).join(', ')}).`, '');
    for (let i = 0; i < 3; i++) {
      await streamTimes(gw, false);
      await streamTimes(gw, true);
    }
    const fg: { first: number; total: number }[] = [];
    const bg: { first: number; total: number }[] = [];
    for (let i = 0; i < LATENCY_ROUNDS; i++) {
      fg.push(await streamTimes(gw, false));
      bg.push(await streamTimes(gw, true));
    }
    const med = (xs: { first: number; total: number }[], k: 'first' | 'total') => percentile(xs.map((x) => x[k]), 50);
    out.push(
      `Stream of ${LATENCY_TOKENS} tokens, ${LATENCY_ROUNDS} rounds each, sequential:`,
      '',
      table(
        ['', 'foreground', 'background', 'ratio (bg / fg)'],
        [
          ['first text delta (p50)', fmtMs(med(fg, 'first')), fmtMs(med(bg, 'first')), (med(bg, 'first') / med(fg, 'first')).toFixed(2)],
          ['end of stream (p50)', fmtMs(med(fg, 'total')), fmtMs(med(bg, 'total')), (med(bg, 'total') / med(fg, 'total')).toFixed(2)],
        ],
      ),
      '',
    );
    if (withWs) {
      const m = await wsMemory(gw);
      const perConn = ((m.after - m.before) * 1024) / Math.max(1, m.open);
      out.push(`Idle WebSocket connections: ${m.open} open; gateway VmRSS ${m.before.toFixed(1)} MiB → ${m.after.toFixed(1)} MiB (**${perConn.toFixed(1)} KiB per connection**).`, '');
    }
    return out;
  } finally {
    await gw.stop();
  }
}

export async function runRunsBench(): Promise<string> {
  const upstream = await startUpstreamChild();
  const dir = mkdtempSync(join(tmpdir(), 'vr-bench-runs-'));
  const parts = ['## Background runs and WebSocket mode', '', 'Real CLI, one process, default `VR_BACKGROUND_*` settings; fake upstream in its own process, tokens sent without delay.', ''];
  const pgUrl = process.env.BENCH_POSTGRES_URL || process.env.VR_TEST_POSTGRES_URL;
  let schema: string | null = null;
  try {
    parts.push(...(await backendSection('SQLite', `sqlite:///${join(dir, 'runs.db')}`, upstream.url, true)));
    if (pgUrl) {
      schema = `vr_bench_runs_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      const u = new URL(pgUrl);
      u.searchParams.set('options', `-c search_path=${schema}`);
      parts.push(...(await backendSection('PostgreSQL', u.toString(), upstream.url, false)));
    } else {
      parts.push('_PostgreSQL skipped: set BENCH_POSTGRES_URL or VR_TEST_POSTGRES_URL._', '');
    }
  } finally {
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
    if (schema && pgUrl) {
      const admin = new pg.Client({ connectionString: pgUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  }
  return parts.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  printAndExit(runRunsBench());
}
