/**
 * Open streams at scale: N concurrent `stream: true` responses held open on ONE gateway process
 * (the upstream sends a delta every BENCH_HOLD_TICK_MS, default here 2000 ms, until released), with the gateway's RSS measured
 * while they are all open. The load generator is this process (one undici Pool with N
 * connections); the fake upstream and the gateway are children.
 *
 *   npx tsx bench/streams.ts            # N = 10,000, or as many as the fd limit allows
 *   STREAMS=2000 npx tsx bench/streams.ts
 *
 * Each open stream costs the gateway two sockets (client side and upstream side), so N is
 * capped at (RLIMIT_NOFILE − 200) / 2 of this process (children inherit it); raise it with
 * `ulimit -n` before the run where the hard limit allows. `BENCH_UPSTREAM_HTTP2=1` runs the fake
 * upstream as cleartext HTTP/2 and the gateway with `VR_UPSTREAM_HTTP2=1`: upstream streams share
 * connections (100 each once connected; a burst opens up to one per request while none is ready,
 * so up to BATCH), and N is capped at RLIMIT_NOFILE − 200 − BATCH − N/100 instead. Every stream must deliver its first
 * delta, keep receiving deltas while held, and end with `response.completed` once released:
 * any HTTP error, early end or missing terminal event is counted as an error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectInspector, type InspectorSession, type MemoryUsage } from './support/inspector.js';
import { createPool } from './support/load.js';
import { rssMiB, startGatewayProcess, startUpstreamChild } from './support/processes.js';
import { sleep, table } from './support/stats.js';
import { FIRST_TOKEN_MARK, HOLD_MODEL } from './support/tokens.js';
import { isEntryPoint } from './support/script.js';

const BATCH = 500;
const HOLD_MS = 5000;
/** Upstream delta interval of the held streams (set before the upstream child starts). */
const TICK_MS = Number((process.env.BENCH_HOLD_TICK_MS ??= '2000'));

function fdLimit(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
  } catch {
    return 1024;
  }
}

export interface StreamsResult {
  wanted: number;
  opened: number;
  errors: number;
  firstError: string | null;
  completed: number;
  openMs: number;
  rssIdle: number;
  rssOpen: number;
  rssOpenLater: number;
  rssAfter: number;
  /** The gateway's `process.memoryUsage()` after a full GC (through the inspector): idle, all open, all finished. */
  memIdle: MemoryUsage;
  memOpen: MemoryUsage;
  memAfter: MemoryUsage;
  fdLimit: number;
  http2: boolean;
}

export async function measureStreams(wanted = Number(process.env.STREAMS ?? 10_000)): Promise<StreamsResult> {
  const limit = fdLimit();
  const http2 = process.env.BENCH_UPSTREAM_HTTP2 === '1';
  // The gateway child inherits this environment.
  if (http2) process.env.VR_UPSTREAM_HTTP2 = '1';
  const n = Math.min(wanted, http2 ? Math.floor(((limit - 200 - BATCH) * 100) / 101) : Math.floor((limit - 200) / 2));
  const dir = mkdtempSync(join(tmpdir(), 'vr-streams-'));
  const upstream = await startUpstreamChild();
  const gw = await startGatewayProcess({ upstreamUrl: upstream.url, dbPath: join(dir, 'bench.db'), inspect: true });
  let inspector: InspectorSession | null = null;
  const pool = createPool(gw.url, n + 16);
  const body = JSON.stringify({ model: HOLD_MODEL, input: 'Say something.', stream: true });
  const mark = Buffer.from(FIRST_TOKEN_MARK);
  const terminal = 'event: response.completed';
  let errors = 0;
  let firstError: string | null = null;
  let completed = 0;
  const fail = (e: unknown) => {
    errors++;
    firstError ??= e instanceof Error ? e.message : String(e);
  };
  try {
    // Warm the gateway (JIT, pools) with a few short streams first.
    await sleep(500);
    if (!gw.inspectorUrl) throw new Error(`the gateway did not print its inspector URL:\n${gw.stderr()}`);
    inspector = await connectInspector(gw.inspectorUrl);
    const snapshots = process.env.BENCH_HEAP_SNAPSHOT_DIR;
    const rssIdle = rssMiB(gw.pid);
    const memIdle = await inspector.memoryAfterGc();
    if (snapshots) await inspector.heapSnapshot(join(snapshots, 'streams-idle.heapsnapshot'));
    const finished: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) {
      const opened: Promise<void>[] = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) {
        let onOpen!: () => void;
        opened.push(new Promise<void>((resolve) => (onOpen = resolve)));
        finished.push(
          (async () => {
            try {
              const res = await pool.request({ method: 'POST', path: '/v1/responses', headers: { 'content-type': 'application/json' }, body });
              if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
              let seen = false;
              let done = false;
              let tail = '';
              for await (const raw of res.body) {
                const c = raw as Buffer;
                if (!seen && c.indexOf(mark) !== -1) {
                  seen = true;
                  onOpen();
                }
                // The terminal event may straddle two reads: keep a short overlap.
                const text = tail + c.toString('latin1');
                if (!done && text.includes(terminal)) done = true;
                tail = text.slice(-terminal.length);
              }
              if (!seen) throw new Error('stream ended without a text delta');
              if (!done) throw new Error('stream ended without response.completed');
              completed++;
            } catch (e) {
              fail(e);
            } finally {
              onOpen();
            }
          })(),
        );
      }
      await Promise.all(opened);
    }
    const openMs = performance.now() - t0;
    await sleep(1000);
    const { held } = await upstream.stats();
    if (held !== n - errors) fail(new Error(`upstream holds ${held} streams, expected ${n - errors}`));
    const rssOpen = rssMiB(gw.pid);
    await sleep(HOLD_MS); // every stream keeps receiving a delta every TICK_MS meanwhile
    const rssOpenLater = rssMiB(gw.pid);
    const memOpen = await inspector.memoryAfterGc();
    if (snapshots) await inspector.heapSnapshot(join(snapshots, 'streams-open.heapsnapshot'));
    await upstream.release();
    await Promise.all(finished);
    await sleep(1000);
    const rssAfter = rssMiB(gw.pid);
    const memAfter = await inspector.memoryAfterGc();
    return { wanted, opened: n, errors, firstError, completed, openMs, rssIdle, rssOpen, rssOpenLater, rssAfter, memIdle, memOpen, memAfter, fdLimit: limit, http2 };
  } finally {
    inspector?.close();
    await pool.destroy().catch(() => {});
    await gw.stop().catch(() => {});
    await upstream.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderStreams(r: StreamsResult): string {
  const mib = (x: number) => `${x.toFixed(1)} MiB`;
  const perStream = ((Math.max(r.rssOpen, r.rssOpenLater) - r.rssIdle) * 1024) / r.opened;
  const b = (x: number) => mib(x / 1048576);
  const kib = (x: number) => `${(x / 1024 / r.opened).toFixed(1)} KiB`;
  return [
    `${r.opened} concurrent SSE streams on one gateway process (asked for ${r.wanted}; fd limit ${r.fdLimit}, ` +
      `${r.http2 ? 'HTTP/2 upstream: one client socket per stream, upstream streams share connections' : 'two sockets per stream in the gateway'}), ` +
      `opened in ${(r.openMs / 1000).toFixed(1)} s in batches of ${BATCH}, held ${HOLD_MS / 1000} s with a delta every ${TICK_MS} ms per stream, then released.`,
    '',
    table(
      ['measure', 'value'],
      [
        ['gateway RSS idle', mib(r.rssIdle)],
        ['gateway RSS, all streams open', mib(r.rssOpen)],
        [`gateway RSS, after ${HOLD_MS / 1000} s more of deltas (one per stream every ${TICK_MS} ms)`, mib(r.rssOpenLater)],
        ['RSS per open stream', `${perStream.toFixed(1)} KiB`],
        ['gateway RSS after all finished', mib(r.rssAfter)],
        ['live JS heap after a full GC: idle / all open / all finished', `${b(r.memIdle.heapUsed)} / ${b(r.memOpen.heapUsed)} / ${b(r.memAfter.heapUsed)}`],
        ['live JS heap per open stream', kib(r.memOpen.heapUsed - r.memIdle.heapUsed)],
        ['external (buffers) per open stream', kib(r.memOpen.external - r.memIdle.external)],
        ['RSS after a full GC: idle / all open / all finished', `${b(r.memIdle.rss)} / ${b(r.memOpen.rss)} / ${b(r.memAfter.rss)}`],
        ['streams ended with response.completed', `${r.completed} of ${r.opened}`],
        ['errors', `${r.errors}${r.firstError ? ` (first: ${r.firstError})` : ''}`],
      ],
    ),
  ].join('\n');
}

if (isEntryPoint(import.meta.url)) {
  measureStreams().then(
    (r) => {
      console.log(renderStreams(r));
      process.exit(r.errors ? 1 : 0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
