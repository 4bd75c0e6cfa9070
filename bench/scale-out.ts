/**
 * Scale-out: one vs two gateway processes on ONE PostgreSQL database, under the same closed
 * loop (JSON, default store, 20-token answers). With two, the load generator spreads its
 * clients evenly over both. The phases alternate in slices so machine noise hits both alike.
 *
 *   BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/test npx tsx bench/scale-out.ts
 *
 * A throwaway database is created for the run and dropped afterwards. On a machine with few
 * cores the gateways, the upstream, PostgreSQL and the load generator share them, so the ratio
 * shows contention as much as capacity: see the printed core count and load average.
 */
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { closedLoop, createPool, warmUp, type Target } from './support/load.js';
import { cpuMs, startGatewayProcess, startUpstreamChild, type GatewayProcess } from './support/processes.js';
import { fmtMs, fmtNum, percentile, table } from './support/stats.js';
import { benchModel } from './support/tokens.js';
import { isEntryPoint, printAndExit } from './support/script.js';

const SLICES = 4;
const SLICE_MS = Number(process.env.SCALE_SLICE_MS ?? 2500);
const CONCURRENCY = 64;

interface Phase {
  done: number;
  ms: number;
  lat: number[];
  cpu: number;
}

export async function runScaleOut(baseUrl: string): Promise<string> {
  const dbName = `vr_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  const upstream = await startUpstreamChild();
  const gws: GatewayProcess[] = [];
  const pools: ReturnType<typeof createPool>[] = [];
  try {
    // Started one after the other: the second finds the schema migrated.
    for (let i = 0; i < 2; i++) gws.push(await startGatewayProcess({ upstreamUrl: upstream.url, dbPath: url.toString() }));
    const body = JSON.stringify({ model: benchModel(20), input: 'Say something.' });
    const targets: Target[] = gws.map((g, i) => {
      const pool = createPool(g.url, 128);
      pools.push(pool);
      return { name: `gateway ${i + 1}`, pool, path: '/v1/responses', body, stream: false, expect: 'tok19' };
    });
    for (const t of targets) await warmUp(t, 8, 400, 1500);
    const one: Phase = { done: 0, ms: 0, lat: [], cpu: 0 };
    const two: Phase = { done: 0, ms: 0, lat: [], cpu: 0 };
    const cpuAll = () => gws.reduce((s, g) => s + cpuMs(g.pid), 0);
    const load0 = loadavg()[0]!;
    for (let s = 0; s < SLICES; s++) {
      let c0 = cpuAll();
      const r1 = await closedLoop(targets[0]!, { concurrency: CONCURRENCY, maxRequests: 1e6, durationMs: SLICE_MS });
      one.cpu += cpuAll() - c0;
      one.done += r1.samples.length;
      one.ms += r1.elapsedMs;
      for (const x of r1.samples) one.lat.push(x.totalMs);
      if (r1.errors) throw new Error(`one gateway: ${r1.errors} errors: ${r1.firstError}`);
      c0 = cpuAll();
      const t0 = performance.now();
      const halves = await Promise.all(targets.map((t) => closedLoop(t, { concurrency: CONCURRENCY / 2, maxRequests: 1e6, durationMs: SLICE_MS })));
      two.ms += performance.now() - t0;
      two.cpu += cpuAll() - c0;
      for (const h of halves) {
        if (h.errors) throw new Error(`two gateways: ${h.errors} errors: ${h.firstError}`);
        two.done += h.samples.length;
        for (const x of h.samples) two.lat.push(x.totalMs);
      }
    }
    const rps = (p: Phase) => (p.done / p.ms) * 1000;
    return [
      `JSON, default store on one PostgreSQL database, closed loop c=${CONCURRENCY}, ${SLICES} alternating slices of ${SLICE_MS / 1000} s per setup; ` +
        `${cpus().length} cores shared by the gateways, the fake upstream, PostgreSQL and the load generator; 1-minute load average ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end.`,
      '',
      table(
        ['setup', 'req/s', 'p50', 'p99', 'gateway CPU / request (sum over gateways)'],
        [
          ['1 gateway process', fmtNum(rps(one)), fmtMs(percentile(one.lat, 50)), fmtMs(percentile(one.lat, 99)), fmtMs(one.cpu / one.done, 3)],
          ['2 gateway processes', fmtNum(rps(two)), fmtMs(percentile(two.lat, 50)), fmtMs(percentile(two.lat, 99)), fmtMs(two.cpu / two.done, 3)],
        ],
      ),
      '',
      `Two instances vs one: **${(rps(two) / rps(one)).toFixed(2)}×** throughput.`,
    ].join('\n');
  } finally {
    for (const p of pools) await p.destroy().catch(() => {});
    for (const g of gws) await g.stop().catch(() => {});
    await upstream.stop().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

if (isEntryPoint(import.meta.url)) {
  const url = process.env.BENCH_PG_URL;
  if (!url) {
    console.error('set BENCH_PG_URL=postgresql://… (a database the bench may CREATE DATABASE from)');
    process.exit(2);
  }
  printAndExit(runScaleOut(url));
}
