/**
 * Where the gateway's time goes on one path: runs the real gateway under `node --cpu-prof`
 * with one closed-loop workload, then prints the top self-time functions and the share of
 * each module group (this project's files by folder, dependencies by package, Node internals,
 * GC). Self time is what the function itself executed; the groups add up to 100 % of the
 * gateway's sampled time, idle excluded.
 *
 *   npx tsx bench/profile.ts json            # JSON, default store (SQLite), c=64, 10 s
 *   npx tsx bench/profile.ts sse             # 500-token SSE, default store, c=64
 *   npx tsx bench/profile.ts json nostore    # with `store: false`
 *   PROFILE_SECONDS=20 PROFILE_DB=postgresql://… npx tsx bench/profile.ts json
 *   PROFILE_CPU=0 npx tsx bench/profile.ts json  # no profiler: CPU/request, 3 rounds (PROFILE_ROUNDS)
 *
 * Build first (`npm run build`); the profile file stays in the printed directory.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, createPool, warmUp, type Target } from './support/load.js';
import { cpuMs, startGatewayProcess, startUpstreamChild } from './support/processes.js';
import { runAndExit } from './support/script.js';
import { table } from './support/stats.js';
import { benchModel } from './support/tokens.js';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds on the monotonic clock (the clock of `process.hrtime`, shared by processes). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the clock of a CPU profile's timestamps, in microseconds. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Which group a frame's self time counts towards. */
function groupOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return '(program: native, not attributed)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/dist\/([^/]+)\//.exec(url);
  if (own) return `gateway: ${own[1]}/`;
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return 'native / builtins';
  return url;
}

/**
 * `window` (monotonic microseconds) keeps only the samples taken while the measured load ran:
 * start-up (module loading and compilation), warm-up and shutdown would otherwise weigh more
 * the fewer requests a busy machine lets through.
 */
export function summarise(profile: CpuProfile, top = 25, window?: { from: number; to: number }): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (window && (t < window.from || t > window.to)) continue;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const fns = new Map<string, number>();
  const groups = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const group = groupOf(url, functionName);
    if (group === 'idle') continue;
    busy += us;
    groups.set(group, (groups.get(group) ?? 0) + us);
    const short = url.replace(/^.*\/(node_modules|dist)\//, '$1/').replace(/^file:\/\//, '');
    const key = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
  const sorted = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `Busy (non-idle) time sampled: ${(busy / 1000).toFixed(0)} ms.`,
    '',
    table(['group (self time)', 'share'], sorted(groups, 30).map(([g, us]) => [g, pct(us)])),
    '',
    table(['function (self time)', 'share'], sorted(fns, top).map(([f, us]) => [`\`${f}\``, pct(us)])),
  ].join('\n');
}

async function main(): Promise<void> {
  const path = process.argv[2] === 'sse' ? 'sse' : 'json';
  const store = process.argv[3] === 'nostore' ? false : undefined;
  const seconds = Number(process.env.PROFILE_SECONDS ?? 10);
  // PROFILE_CPU=0: no profiler (it costs the gateway ~10–30 %), only CPU time per request, in
  // PROFILE_ROUNDS rounds of PROFILE_SECONDS each: the figure to compare two builds with.
  const profiling = process.env.PROFILE_CPU !== '0';
  const rounds = profiling ? 1 : Math.max(1, Number(process.env.PROFILE_ROUNDS ?? 3));
  // On a busy machine CPU per request at c=64 moves with how much work each wake-up batches
  // (group commit, reads per chunk); c=1 has no batching and is the steadier A/B figure.
  const concurrency = Number(process.env.PROFILE_CONCURRENCY ?? 64);
  const dir = mkdtempSync(join(tmpdir(), 'vr-profile-'));
  const upstream = await startUpstreamChild();
  const gw = await startGatewayProcess({
    upstreamUrl: upstream.url,
    dbPath: process.env.PROFILE_DB ?? join(dir, 'bench.db'),
    ...(profiling ? { cpuProfDir: dir } : {}),
  });
  const pool = createPool(gw.url, 128);
  let window: { from: number; to: number } | undefined;
  try {
    const tokens = path === 'sse' ? 500 : 20;
    const target: Target = {
      name: `gateway ${path}`,
      pool,
      path: '/v1/responses',
      body: JSON.stringify({ model: benchModel(tokens), input: 'Say something.', stream: path === 'sse', store }),
      stream: path === 'sse',
      expect: path === 'sse' ? 'response.completed' : `tok${tokens - 1}`,
    };
    // Long enough for the JIT to settle: CPU per request still falls for the first ~2,000 requests.
    await warmUp(target, 16, 3000, 6000);
    const from = monotonicUs();
    const perRound: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const cpu0 = cpuMs(gw.pid);
      const load0 = process.cpuUsage();
      const r = await closedLoop(target, { concurrency, maxRequests: 1_000_000, durationMs: seconds * 1000 });
      const perRequest = (cpuMs(gw.pid) - cpu0) / r.samples.length;
      const load = process.cpuUsage(load0);
      // The load generator shares the machine: when it needs most of a core itself, req/s
      // says more about it than about the gateway (CPU per request still holds).
      const loadCores = (load.user + load.system) / 1000 / (seconds * 1000);
      perRound.push(perRequest);
      console.log(
        `${path} c=${concurrency} store=${store ?? 'default'}: ${r.samples.length} requests, ${r.rps.toFixed(0)} req/s, ${r.errors} errors, ` +
          `gateway CPU ${perRequest.toFixed(3)} ms/request; load generator ${loadCores.toFixed(2)} cores` +
          `${loadCores > 0.8 ? ' (SATURATED: req/s is the load generator\'s limit)' : ''}; load average ${loadavg()[0]!.toFixed(2)}`,
      );
    }
    window = { from, to: monotonicUs() };
    if (rounds > 1) {
      const sorted = [...perRound].sort((a, b) => a - b);
      console.log(`gateway CPU per request, median of ${rounds}: ${sorted[Math.floor(rounds / 2)]!.toFixed(3)} ms (min ${sorted[0]!.toFixed(3)})`);
    }
  } finally {
    await pool.destroy();
    await gw.stop();
    await upstream.stop();
  }
  if (!profiling) return;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`profile: ${join(dir, file)} (summary: the measured load only, start-up and warm-up left out)\n`);
  console.log(summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, 25, window));
}

if (process.argv[1]?.endsWith('profile.ts')) runAndExit(main);
