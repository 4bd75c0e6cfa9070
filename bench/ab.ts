/**
 * CPU per request of two gateway builds under the same load, in alternating slices: the
 * comparison to trust on a busy machine, where a build's CPU per request moves by 2–3× with
 * the machine's load but both builds see the same load when they take turns every few seconds.
 *
 *   npx tsx bench/ab.ts /path/to/base/dist/cli/main.js json|sse [nostore]
 *
 * Build first (`npm run build`); "B" is this checkout's build. Prints each slice and the
 * ratio B ÷ A of the total CPU per request (AB_SLICES × AB_SLICE_SECONDS per build, c=64).
 * `AB_B_NODE_FLAGS="--flag …"` and `AB_B_ENV="VR_X=1 …"` apply to build B only: with
 * `AB_B_CLI` set to the base build too, they compare a node flag or a setting alone.
 * `AB_TOGETHER=1` loads both builds at the same time in every slice (c each) instead of taking
 * turns: on a machine shared with other benchmarks, whose load changes within seconds, both then
 * see the same load (one build against itself: slices 0.97–1.07, totals 0.99–1.00).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, createPool, warmUp, type Target } from './support/load.js';
import { CLI_PATH, cpuMs, mainThreadCpuMs, startGatewayProcess, startUpstreamChild, type GatewayProcess } from './support/processes.js';
import { benchModel } from './support/tokens.js';
import { runAndExit } from './support/script.js';

async function main(): Promise<void> {
  const baseCli = process.argv[2];
  if (!baseCli) throw new Error('usage: npx tsx bench/ab.ts <base dist/cli/main.js> json|sse [nostore]');
  const path = process.argv[3] === 'sse' ? 'sse' : 'json';
  const store = process.argv[4] === 'nostore' ? false : undefined;
  const slices = Number(process.env.AB_SLICES ?? 6);
  const sliceMs = Number(process.env.AB_SLICE_SECONDS ?? 3) * 1000;
  const concurrency = Number(process.env.AB_CONCURRENCY ?? 64);
  const bFlags = (process.env.AB_B_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const together = process.env.AB_TOGETHER === '1';
  const bEnv = Object.fromEntries((process.env.AB_B_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const dir = mkdtempSync(join(tmpdir(), 'vr-ab-'));
  const upstream = await startUpstreamChild();
  const gateways: { name: string; gw: GatewayProcess; target: Target; cpu: number; main: number; requests: number }[] = [];
  try {
    for (const [name, cli, nodeFlags, env] of [['A (base)', baseCli, [], {}], ['B (this build)', process.env.AB_B_CLI || CLI_PATH, bFlags, bEnv]] as const) {
      const gw = await startGatewayProcess({ upstreamUrl: upstream.url, dbPath: join(dir, `${name[0]}.db`), cli, nodeFlags: [...nodeFlags], env });
      const tokens = path === 'sse' ? 500 : 20;
      const target: Target = {
        name,
        pool: createPool(gw.url, 128),
        path: '/v1/responses',
        body: JSON.stringify({ model: benchModel(tokens), input: 'Say something.', stream: path === 'sse', store }),
        stream: path === 'sse',
        expect: path === 'sse' ? 'response.completed' : `tok${tokens - 1}`,
      };
      gateways.push({ name, gw, target, cpu: 0, main: 0, requests: 0 });
    }
    // Long enough for the JIT to settle: CPU per request still falls for the first ~2,000 requests.
    for (const g of gateways) await warmUp(g.target, 16, path === 'sse' ? 600 : 3000, 6000);
    /** One slice of closed-loop load on `g`, added to its totals. */
    const slice = async (i: number, g: (typeof gateways)[number]): Promise<void> => {
      const cpu0 = cpuMs(g.gw.pid);
      const main0 = mainThreadCpuMs(g.gw.pid);
      const r = await closedLoop(g.target, { concurrency, maxRequests: 1_000_000, durationMs: sliceMs });
      if (r.errors) throw new Error(`${g.name}: ${r.errors} errors (${r.firstError})`);
      const cpu = cpuMs(g.gw.pid) - cpu0;
      const main = mainThreadCpuMs(g.gw.pid) - main0;
      g.cpu += cpu;
      g.main += main;
      g.requests += r.samples.length;
      console.log(`slice ${i + 1} ${g.name}: ${r.samples.length} requests, ${r.rps.toFixed(0)} req/s, ${(cpu / r.samples.length).toFixed(3)} ms CPU/request (main thread ${(main / r.samples.length).toFixed(3)}), load ${loadavg()[0]!.toFixed(1)}`);
    };
    for (let i = 0; i < slices; i++) {
      if (together) {
        // Both builds under load at once: each moment's machine load hits both alike.
        await Promise.all(gateways.map((g) => slice(i, g)));
        continue;
      }
      // ABBA order: a trend in the machine's load hits both alike.
      const order = i % 2 === 0 ? gateways : [...gateways].reverse();
      for (const g of order) await slice(i, g);
    }
    const [a, b] = gateways.map((g) => g.cpu / g.requests) as [number, number];
    console.log(`${path} c=${concurrency} store=${store ?? 'default'}: A ${a.toFixed(3)} ms, B ${b.toFixed(3)} ms CPU/request; B/A = ${(b / a).toFixed(3)}`);
    // The event loop is the bottleneck: work moved to a worker thread shows here, not above.
    const [ma, mb] = gateways.map((g) => g.main / g.requests) as [number, number];
    console.log(`main thread only: A ${ma.toFixed(3)} ms, B ${mb.toFixed(3)} ms CPU/request; B/A = ${(mb / ma).toFixed(3)}`);
  } finally {
    for (const g of gateways) {
      await g.target.pool.destroy();
      await g.gw.stop();
    }
    await upstream.stop();
  }
}

runAndExit(main);
