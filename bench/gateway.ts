/**
 * Gateway overhead bench: the real gateway CLI (dist/) in front of a fast fake upstream, each in
 * its own process, measured side by side with the same upstream called directly. See
 * bench/README.md for the topology and what every number means.
 *
 *   npx tsx bench/gateway.ts          # this section only (build first: npm run build)
 *   BENCH_QUICK=1 npx tsx bench/gateway.ts    # shorter phases, for trying changes
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/gateway.ts   # also write the gateway's V8 CPU profile
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'undici';
import { closedLoop, createPool, once, warmUp, type RunLimits, type RunResult, type Target } from './support/load.js';
import { cpuMs, rssMiB, startGatewayProcess, startProxyChild, startUpstreamChild, type GatewayProcess, type ProxyChild, type UpstreamChild } from './support/processes.js';
import { fmtMs, fmtNum, fmtPct, fmtSigned, percentile, sleep, table } from './support/stats.js';
import { benchModel, benchToken, FIRST_TOKEN_MARK, HOLD_MODEL } from './support/tokens.js';
import { isEntryPoint, printAndExit } from './support/script.js';

const QUICK = process.env.BENCH_QUICK === '1';
/** Phase bounds: every loop stops at its request count or its wall time, whichever is first. */
const CFG = {
  jsonTokens: 20,
  streamTokens: 500,
  /** Each phase is split into this many alternating slices per target. */
  slices: 4,
  c1: { concurrency: 1, maxRequests: 20_000, durationMs: QUICK ? 1000 : 3000 },
  c64: { concurrency: 64, maxRequests: 500_000, durationMs: QUICK ? 1500 : 4000 },
  warm: { concurrency: 8, maxRequests: 400, durationMs: QUICK ? 500 : 1500 },
  openStreams: QUICK ? 200 : 1000,
  openBatch: 100,
  settleMs: 1000,
};
/** "No memory growth": RSS after a repeated load run may exceed the first run by at most this. */
const MEM_TOLERANCE = { ratio: 0.1, mib: 10 };
/** Issue 15's goals: JSON (default store) vs the raw proxy, SSE vs the raw proxy, added p50 vs direct. */
const GOAL_ADDED_P50_MS = 0.7;
const GOAL_JSON_PROXY_RATIO = 0.5;
const GOAL_STREAM_RATIO = 0.7;

const INPUT = 'Say something.';

interface Targets {
  directJson: Target;
  proxyJson: Target;
  proxyStream: Target;
  gatewayJson: Target;
  gatewayJsonStored: Target;
  directStream: Target;
  gatewayStream: Target;
}

function targets(upstreamPool: Pool, proxyPool: Pool, gatewayPool: Pool, upstreamPath: string): Targets {
  const chat = (tokens: number, stream: boolean) =>
    JSON.stringify({
      model: benchModel(tokens),
      messages: [{ role: 'user', content: INPUT }],
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
    });
  // store: undefined → the field is left out, as most clients do: the default (store on).
  const responses = (tokens: number, stream: boolean, store: boolean | undefined) => JSON.stringify({ model: benchModel(tokens), input: INPUT, stream, store });
  const lastJson = benchToken(CFG.jsonTokens - 1).trim();
  return {
    directJson: { name: 'direct JSON', pool: upstreamPool, path: upstreamPath, body: chat(CFG.jsonTokens, false), stream: false, expect: lastJson },
    proxyJson: { name: 'raw proxy JSON', pool: proxyPool, path: upstreamPath, body: chat(CFG.jsonTokens, false), stream: false, expect: lastJson },
    proxyStream: { name: 'raw proxy stream', pool: proxyPool, path: upstreamPath, body: chat(CFG.streamTokens, true), stream: true, expect: '[DONE]' },
    gatewayJson: { name: 'gateway JSON', pool: gatewayPool, path: '/v1/responses', body: responses(CFG.jsonTokens, false, false), stream: false, expect: lastJson },
    gatewayJsonStored: {
      name: 'gateway JSON (default store)',
      pool: gatewayPool,
      path: '/v1/responses',
      body: responses(CFG.jsonTokens, false, undefined),
      stream: false,
      expect: lastJson,
    },
    directStream: { name: 'direct stream', pool: upstreamPool, path: upstreamPath, body: chat(CFG.streamTokens, true), stream: true, expect: '[DONE]' },
    gatewayStream: {
      name: 'gateway stream',
      pool: gatewayPool,
      path: '/v1/responses',
      body: responses(CFG.streamTokens, true, undefined),
      stream: true,
      expect: 'response.completed',
    },
  };
}

/** A load phase: merged alternating slices, with the CPU each process spent on it. */
interface Phase extends RunResult {
  /** CPU ms spent during the phase by the gateway, the upstream and this load generator. */
  cpu: { gateway: number; upstream: number; client: number; proxy: number };
}

interface LoadRound {
  json1: { direct: Phase; proxy: Phase; gateway: Phase; stored: Phase };
  json64: { direct: Phase; proxy: Phase; gateway: Phase; stored: Phase };
  stream1: { direct: Phase; proxy: Phase; gateway: Phase };
  stream64: { direct: Phase; proxy: Phase; gateway: Phase };
}

interface Pids {
  gateway: number;
  upstream: number;
  proxy: number;
}

function check(r: RunResult, what: string): RunResult {
  if (r.errors) throw new Error(`${what}: ${r.errors} failed requests, first: ${r.firstError}`);
  if (r.samples.length === 0) throw new Error(`${what}: no request completed`);
  return r;
}

function emptyPhase(): Phase {
  return { samples: [], errors: 0, firstError: null, elapsedMs: 0, rps: 0, cpu: { gateway: 0, upstream: 0, client: 0, proxy: 0 } };
}

/**
 * Runs the targets in alternating slices (A B C A B C …) and merges each target's slices, so
 * that drift on a shared machine (other processes, CPU frequency) hits every side alike.
 */
async function compare(pids: Pids, list: Target[], limits: RunLimits): Promise<Phase[]> {
  const out = list.map(() => emptyPhase());
  const slice: RunLimits = { ...limits, durationMs: limits.durationMs / CFG.slices, maxRequests: Math.ceil(limits.maxRequests / CFG.slices) };
  for (let i = 0; i < CFG.slices; i++) {
    for (let j = 0; j < list.length; j++) {
      const target = list[j]!;
      const before = { gateway: cpuMs(pids.gateway), upstream: cpuMs(pids.upstream), proxy: cpuMs(pids.proxy), client: process.cpuUsage() };
      const r = check(await closedLoop(target, slice), `${target.name} c=${limits.concurrency}`);
      const client = process.cpuUsage(before.client);
      const acc = out[j]!;
      for (const s of r.samples) acc.samples.push(s);
      acc.elapsedMs += r.elapsedMs;
      acc.cpu.gateway += cpuMs(pids.gateway) - before.gateway;
      acc.cpu.upstream += cpuMs(pids.upstream) - before.upstream;
      acc.cpu.proxy += cpuMs(pids.proxy) - before.proxy;
      acc.cpu.client += (client.user + client.system) / 1000;
    }
  }
  for (const acc of out) acc.rps = (acc.samples.length / acc.elapsedMs) * 1000;
  return out;
}

/** Loads (a)–(c). */
async function loadRound(pids: Pids, t: Targets): Promise<LoadRound> {
  const json = [t.directJson, t.proxyJson, t.gatewayJson, t.gatewayJsonStored];
  const [d1, p1, g1, s1] = await compare(pids, json, CFG.c1);
  const [d64, p64, g64, s64] = await compare(pids, json, CFG.c64);
  const stream = [t.directStream, t.proxyStream, t.gatewayStream];
  const [ds1, ps1, gs1] = await compare(pids, stream, CFG.c1);
  const [ds64, ps64, gs64] = await compare(pids, stream, CFG.c64);
  return {
    json1: { direct: d1!, proxy: p1!, gateway: g1!, stored: s1! },
    json64: { direct: d64!, proxy: p64!, gateway: g64!, stored: s64! },
    stream1: { direct: ds1!, proxy: ps1!, gateway: gs1! },
    stream64: { direct: ds64!, proxy: ps64!, gateway: gs64! },
  };
}

const p = (r: RunResult, q: number, key: 'totalMs' | 'firstTokenMs' = 'totalMs') => percentile(r.samples.map((s) => s[key]), q);
/** Added p50 at c=1: the gateway with its default store vs the upstream called directly. */
const addedP50 = (round: LoadRound) => p(round.json1.stored, 50) - p(round.json1.direct, 50);
const jsonProxyRatio = (round: LoadRound) => round.json64.stored.rps / round.json64.proxy.rps;
const streamRatio = (round: LoadRound) => round.stream64.gateway.rps / round.stream64.proxy.rps;

/** Issue 15's view: every path against the raw byte proxy measured in the same slices. */
function proxyTable(round: LoadRound): string {
  const rows = [
    ['JSON c=1 p50 (added vs direct)', round.json1.direct, round.json1.proxy, round.json1.stored, round.json1.gateway],
  ].map(([label, d, px, st, nf]) => {
    const [dd, pp, ss, gg] = [d, px, st, nf].map((x) => p(x as Phase, 50));
    return [label as string, fmtMs(dd!), `${fmtMs(pp!)} (${fmtSigned(pp! - dd!)})`, `${fmtMs(ss!)} (${fmtSigned(ss! - dd!)})`, `${fmtMs(gg!)} (${fmtSigned(gg! - dd!)})`];
  });
  const rps = (label: string, d: Phase, px: Phase, st: Phase | null, nf: Phase | null) => [
    label,
    `${fmtNum(d.rps)} req/s`,
    `${fmtNum(px.rps)} req/s`,
    st ? `${fmtNum(st.rps)} req/s (**${fmtPct(st.rps / px.rps)}** of proxy)` : '—',
    nf ? `${fmtNum(nf.rps)} req/s (${fmtPct(nf.rps / px.rps)} of proxy)` : '—',
  ];
  rows.push(rps('JSON throughput c=64', round.json64.direct, round.json64.proxy, round.json64.stored, round.json64.gateway));
  rows.push(rps(`SSE ${CFG.streamTokens} tok throughput c=64`, round.stream64.direct, round.stream64.proxy, round.stream64.gateway, null));
  return table(['measure', 'direct to upstream', 'raw byte proxy', 'gateway, default store (SQLite)', 'gateway, `store: false`'], rows);
}

function roundTable(round: LoadRound): string {
  const rows: string[][] = [];
  const latency = (label: string, d: Phase, g: Phase, key: 'totalMs' | 'firstTokenMs' = 'totalMs') => {
    for (const q of [50, 99]) {
      rows.push([`${label} p${q}`, fmtMs(p(d, q, key)), fmtMs(p(g, q, key)), fmtSigned(p(g, q, key) - p(d, q, key)), `${d.samples.length} / ${g.samples.length}`]);
    }
  };
  const rps = (label: string, d: Phase, g: Phase) =>
    rows.push([label, `${fmtNum(d.rps)} req/s`, `${fmtNum(g.rps)} req/s`, `ratio ${fmtPct(g.rps / d.rps)}`, `${d.samples.length} / ${g.samples.length}`]);
  latency(`(a) JSON latency, c=1`, round.json1.direct, round.json1.gateway);
  latency(`(a) JSON latency, c=64`, round.json64.direct, round.json64.gateway);
  latency(`(b) stream ${CFG.streamTokens} tok, first text delta, c=1`, round.stream1.direct, round.stream1.gateway, 'firstTokenMs');
  latency(`(b) stream ${CFG.streamTokens} tok, total, c=1`, round.stream1.direct, round.stream1.gateway);
  rps(`(c) JSON throughput, c=64`, round.json64.direct, round.json64.gateway);
  rps(`(c) stream ${CFG.streamTokens} tok throughput, c=64`, round.stream64.direct, round.stream64.gateway);
  const s1 = round.json1.stored;
  const s64 = round.json64.stored;
  rows.push([
    'default store (SQLite) JSON: p50 c=1 · p99 c=1 · throughput c=64',
    `${fmtMs(p(round.json1.direct, 50))} · ${fmtMs(p(round.json1.direct, 99))} · ${fmtNum(round.json64.direct.rps)} req/s`,
    `${fmtMs(p(s1, 50))} · ${fmtMs(p(s1, 99))} · ${fmtNum(s64.rps)} req/s`,
    `${fmtSigned(p(s1, 50) - p(round.json1.direct, 50))} · ratio ${fmtPct(s64.rps / round.json64.direct.rps)} ` +
      `(vs \`store: false\`: ${fmtSigned(p(s1, 50) - p(round.json1.gateway, 50))} p50, ${fmtPct(s64.rps / round.json64.gateway.rps)} throughput)`,
    `${s1.samples.length} / ${s64.samples.length}`,
  ]);
  return table(['measure', 'direct to upstream', 'through gateway', 'gateway − direct', 'requests (direct / gateway)'], rows);
}

/** CPU per request at c=64: where the machine's cores go on each path. */
function cpuTable(round: LoadRound): string {
  const per = (ph: Phase, key: keyof Phase['cpu']) => ph.cpu[key] / ph.samples.length;
  const busy2 = (ph: Phase) => (ph.cpu.gateway + ph.cpu.upstream + ph.cpu.client + ph.cpu.proxy) / ph.elapsedMs;
  const row = (label: string, ph: Phase, hop: 'gateway' | 'proxy' | null) => [
    label,
    hop ? fmtMs(per(ph, hop), 3) : '—',
    fmtMs(per(ph, 'upstream'), 3),
    fmtMs(per(ph, 'client'), 3),
    `${busy2(ph).toFixed(2)} of ${cpus().length}`,
    // A load generator that needs most of a core is what bounds that row's req/s (its ratios
    // then understate the gateway or the proxy), whatever the gateway could do.
    `${(ph.cpu.client / ph.elapsedMs).toFixed(2)}${ph.cpu.client / ph.elapsedMs > 0.8 ? ' (saturated: req/s is its limit)' : ''}`,
  ];
  return table(
    ['c=64 phase', 'gateway (or proxy) CPU / request', 'upstream CPU / request', 'load generator CPU / request', 'cores busy (all processes)', 'load generator cores'],
    [
      row('JSON, direct', round.json64.direct, null),
      row('JSON, raw proxy', round.json64.proxy, 'proxy'),
      row('JSON, gateway `store: false`', round.json64.gateway, 'gateway'),
      row('JSON, gateway default store', round.json64.stored, 'gateway'),
      row(`stream ${CFG.streamTokens} tok, direct`, round.stream64.direct, null),
      row(`stream ${CFG.streamTokens} tok, raw proxy`, round.stream64.proxy, 'proxy'),
      row(`stream ${CFG.streamTokens} tok, gateway default store`, round.stream64.gateway, 'gateway'),
    ],
  );
}

interface OpenStreamsResult {
  opened: number;
  rssBefore: number;
  rssOpen: number;
  rssAfter: number;
  openMs: number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** (d) Opens N gateway streams the upstream holds open, samples RSS, releases them, samples again. */
async function openStreams(gw: GatewayProcess, upstream: UpstreamChild, n: number): Promise<OpenStreamsResult> {
  const pool = createPool(gw.url, n + 16);
  const body = JSON.stringify({ model: HOLD_MODEL, input: INPUT, stream: true, store: false });
  const mark = Buffer.from(FIRST_TOKEN_MARK);
  const finished: Promise<void>[] = [];
  try {
    const rssBefore = rssMiB(gw.pid);
    const t0 = performance.now();
    for (let i = 0; i < n; i += CFG.openBatch) {
      const opened: Promise<void>[] = [];
      for (let j = i; j < Math.min(n, i + CFG.openBatch); j++) {
        let onOpen!: () => void;
        let onFail!: (e: Error) => void;
        opened.push(new Promise<void>((resolve, reject) => ((onOpen = resolve), (onFail = reject))));
        const done = (async () => {
          const res = await pool.request({ method: 'POST', path: '/v1/responses', headers: { 'content-type': 'application/json' }, body });
          if (res.statusCode !== 200) throw new Error(`open stream: HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
          let seen = false;
          for await (const c of res.body) {
            if (!seen && (c as Buffer).indexOf(mark) !== -1) {
              seen = true;
              onOpen();
            }
          }
          if (!seen) throw new Error('open stream ended without a text delta');
        })();
        done.catch((e: Error) => onFail(e));
        finished.push(done.catch(() => {}));
      }
      await withTimeout(Promise.all(opened), 30_000, `opening streams ${i}..${i + CFG.openBatch}`);
    }
    const openMs = performance.now() - t0;
    await sleep(CFG.settleMs);
    const { held } = await upstream.stats();
    if (held !== n) throw new Error(`expected ${n} streams held open by the upstream, found ${held}`);
    const rssOpen = rssMiB(gw.pid);
    await upstream.release();
    await withTimeout(Promise.all(finished), 30_000, 'finishing released streams');
    await sleep(2 * CFG.settleMs);
    return { opened: n, rssBefore, rssOpen, rssAfter: rssMiB(gw.pid), openMs };
  } finally {
    await pool.destroy();
  }
}

export interface GatewayBenchData {
  round1: LoadRound;
  round2: LoadRound;
  streams: OpenStreamsResult;
  rss: { idle: number; afterWarmUp: number; afterRound1: number; beforeRound2: number; afterRound2: number };
  /** 1-minute load average when the load runs started and when they ended. */
  loadAvg: [number, number];
}

/** Runs the whole measurement and returns raw numbers (children stopped whatever happens). */
export async function measureGateway(): Promise<GatewayBenchData> {
  const dir = mkdtempSync(join(tmpdir(), 'vr-bench-'));
  let upstream: UpstreamChild | null = null;
  let gw: GatewayProcess | null = null;
  let proxy: ProxyChild | null = null;
  const pools: Pool[] = [];
  try {
    upstream = await startUpstreamChild();
    proxy = await startProxyChild(new URL(upstream.url).origin);
    gw = await startGatewayProcess({ upstreamUrl: upstream.url, dbPath: join(dir, 'bench.db'), cpuProfDir: process.env.BENCH_CPU_PROF || undefined });
    const upstreamUrl = new URL(upstream.url);
    const upstreamPool = createPool(upstreamUrl.origin, 128);
    const gatewayPool = createPool(gw.url, 128);
    const proxyPool = createPool(proxy.url, 128);
    pools.push(upstreamPool, gatewayPool, proxyPool);
    const t = targets(upstreamPool, proxyPool, gatewayPool, `${upstreamUrl.pathname}/chat/completions`);

    const idle = rssMiB(gw.pid);
    for (const target of Object.values(t)) await warmUp(target, CFG.warm.concurrency, CFG.warm.maxRequests, CFG.warm.durationMs);
    // Every target answers what it should before anything is timed.
    for (const target of Object.values(t)) await once(target, true);
    await sleep(CFG.settleMs);
    const afterWarmUp = rssMiB(gw.pid);

    const pids = { gateway: gw.pid, upstream: upstream.child.pid!, proxy: proxy.child.pid! };
    const loadBefore = loadavg()[0]!;
    const round1 = await loadRound(pids, t);
    await sleep(CFG.settleMs);
    const afterRound1 = rssMiB(gw.pid);

    const streams = await openStreams(gw, upstream, CFG.openStreams);

    const beforeRound2 = rssMiB(gw.pid);
    const round2 = await loadRound(pids, t);
    await sleep(CFG.settleMs);
    const afterRound2 = rssMiB(gw.pid);
    if (gw.child.exitCode !== null) throw new Error(`gateway died during the bench:\n${gw.stderr()}`);
    return { round1, round2, streams, rss: { idle, afterWarmUp, afterRound1, beforeRound2, afterRound2 }, loadAvg: [loadBefore, loadavg()[0]!] };
  } finally {
    for (const pool of pools) await pool.destroy().catch(() => {});
    await gw?.stop().catch(() => {});
    await proxy?.stop().catch(() => {});
    await upstream?.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const mib = (n: number) => `${n.toFixed(1)} MiB`;

/** Growth allowed between two RSS samples taken after the same load. */
function memGrowthOk(before: number, after: number): boolean {
  return after - before <= Math.max(MEM_TOLERANCE.mib, before * MEM_TOLERANCE.ratio);
}

export function renderGatewayReport(d: GatewayBenchData): string {
  const { round1: r1, round2: r2, streams: s, rss } = d;
  const verdict = (ok: boolean) => (ok ? '**MET**' : '**NOT MET**');
  const added = [addedP50(r1), addedP50(r2)];
  const ratios = [streamRatio(r1), streamRatio(r2)];
  const jsonRatios = [jsonProxyRatio(r1), jsonProxyRatio(r2)];
  const addedOk = added.every((a) => a <= GOAL_ADDED_P50_MS);
  const ratioOk = ratios.every((r) => r >= GOAL_STREAM_RATIO);
  const jsonOk = jsonRatios.every((r) => r >= GOAL_JSON_PROXY_RATIO);
  const memOk = memGrowthOk(rss.afterRound1, rss.afterRound2) && memGrowthOk(rss.beforeRound2, rss.afterRound2);
  const perStreamKiB = ((s.rssOpen - s.rssBefore) * 1024) / s.opened;

  return [
    '## Gateway overhead: gateway vs raw byte proxy vs direct upstream',
    '',
    'Four processes on loopback, sharing the machine\'s cores: the load generator (undici keep-alive pools, this process), ' +
      'the fake upstream (`test/support/fake-upstream.ts` in a child process, answers with no artificial delay), a raw Node byte ' +
      'proxy (`bench/support/proxy-child.ts`: node:http in, keep-alive agent out, bytes piped both ways) and the real ' +
      '`node dist/cli/main.js serve` gateway (SQLite store, code interpreter disabled). "Direct" sends the equivalent ' +
      '`POST /v1/chat/completions` to the same upstream, "raw proxy" sends it through the byte proxy; "gateway" sends ' +
      '`POST /v1/responses` with the default store (the field left out) unless `store: false` is noted, which the gateway ' +
      'turns into a chat completion upstream: one JSON answer for a `stream: false` request, a stream for `stream: true`.',
    '',
    `Answers: ${CFG.jsonTokens} tokens for JSON requests, ${CFG.streamTokens} tokens (${CFG.streamTokens} chunks, no delay) for streams. ` +
      `Every target is warmed up first. Each comparison runs its targets in ${CFG.slices} alternating slices ` +
      `(direct, gateway, direct, gateway, …) for ${CFG.c1.durationMs / 1000} s (c=1) / ${CFG.c64.durationMs / 1000} s (c=64) per target in total, ` +
      'so that background load on the machine hits both sides alike. Closed loop: each of the c clients sends its next request when the last one ended. ' +
      `1-minute load average of the machine: ${d.loadAvg[0].toFixed(2)} when the load runs started, ${d.loadAvg[1].toFixed(2)} when they ended ` +
      `(${cpus().length} cores; the bench itself keeps up to ~3 busy processes).`,
    '',
    '### Run 1',
    '',
    proxyTable(r1),
    '',
    roundTable(r1),
    '',
    'CPU time per request, from `/proc/<pid>/stat` (gateway, upstream) and `process.cpuUsage()` (load generator), run 1:',
    '',
    cpuTable(r1),
    '',
    '### Run 2 (same load again, after the open-streams phase)',
    '',
    proxyTable(r2),
    '',
    roundTable(r2),
    '',
    cpuTable(r2),
    '',
    `### (d) Gateway memory (VmRSS of the gateway process)`,
    '',
    table(
      ['when', 'gateway RSS'],
      [
        ['idle, just started', mib(rss.idle)],
        ['after warm-up', mib(rss.afterWarmUp)],
        ['after load run 1', mib(rss.afterRound1)],
        [`${s.opened} concurrent open streams (opened in ${(s.openMs / 1000).toFixed(1)} s, upstream ticking every 500 ms)`, `${mib(s.rssOpen)} (≈ ${perStreamKiB.toFixed(0)} KiB per open stream)`],
        [`after those ${s.opened} streams finished`, mib(s.rssAfter)],
        ['before load run 2', mib(rss.beforeRound2)],
        ['after load run 2', mib(rss.afterRound2)],
      ],
    ),
    '',
    '### Goals (issue 15)',
    '',
    `- Added p50 latency at concurrency 1 (JSON, default store, vs direct) at most ${GOAL_ADDED_P50_MS} ms: ${verdict(addedOk)} — ` +
      `run 1 ${fmtSigned(added[0]!)}, run 2 ${fmtSigned(added[1]!)}.`,
    `- JSON throughput (default store, c=64) at least ${fmtPct(GOAL_JSON_PROXY_RATIO)} of the raw byte proxy: ${verdict(jsonOk)} — ` +
      `run 1 ${fmtPct(jsonRatios[0]!)} (${fmtNum(r1.json64.stored.rps)} vs ${fmtNum(r1.json64.proxy.rps)} req/s), ` +
      `run 2 ${fmtPct(jsonRatios[1]!)} (${fmtNum(r2.json64.stored.rps)} vs ${fmtNum(r2.json64.proxy.rps)} req/s).`,
    `- SSE throughput (default store, c=64, ${CFG.streamTokens}-token streams) at least ${fmtPct(GOAL_STREAM_RATIO)} of the raw byte proxy: ${verdict(ratioOk)} — ` +
      `run 1 ${fmtPct(ratios[0]!)} (${fmtNum(r1.stream64.gateway.rps)} vs ${fmtNum(r1.stream64.proxy.rps)} req/s), ` +
      `run 2 ${fmtPct(ratios[1]!)} (${fmtNum(r2.stream64.gateway.rps)} vs ${fmtNum(r2.stream64.proxy.rps)} req/s).`,
    `- No memory growth across repeated runs (RSS after run 2 within max(${MEM_TOLERANCE.mib} MiB, ${fmtPct(MEM_TOLERANCE.ratio)}) of RSS after run 1 and of RSS before run 2): ${verdict(memOk)} — ` +
      `after run 1 ${mib(rss.afterRound1)}, before run 2 ${mib(rss.beforeRound2)}, after run 2 ${mib(rss.afterRound2)}.`,
    '',
  ].join('\n');
}

/** The bench section for bench/run.ts: a markdown section with the numbers and the goals. */
export async function runGatewayBench(): Promise<string> {
  return renderGatewayReport(await measureGateway());
}

if (isEntryPoint(import.meta.url)) {
  // BENCH_WATCHDOG_MS: a loaded machine runs the phases slower than the 5-minute default allows.
  const watchdogMs = Number(process.env.BENCH_WATCHDOG_MS) || 300_000;
  const watchdog = setTimeout(() => {
    console.error(`gateway bench: watchdog fired after ${watchdogMs / 1000} s; exiting`);
    process.exit(1);
  }, watchdogMs);
  watchdog.unref();
  printAndExit(runGatewayBench());
}
