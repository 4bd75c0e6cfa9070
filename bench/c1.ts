/**
 * Wall-clock latency at concurrency 1 of two gateway builds and the upstream called directly, in
 * alternating rounds: the comparison for the "added p50 at c=1" goal on a busy machine, where a
 * single run's p50 moves by more than the difference being measured.
 *
 *   npx tsx bench/c1.ts /path/to/base/dist/cli/main.js [json|nostore]
 *
 * Build first (`npm run build`); "B" is this checkout's build (or `AB_B_CLI`). Each build runs
 * as two gateway processes started A, B, B, A: on this VM the later-started of two identical
 * gateways answered 0.04–0.08 ms faster at p50, whichever build it ran. Each round sends
 * C1_REQUESTS sequential requests to each of the five targets (direct and the four gateways, in
 * an order that rotates every round, C1_SETTLE untimed requests after each switch), and the
 * report is the median over C1_ROUNDS rounds of each round's p50 (and p90), plus the added
 * latency of each build vs direct in the same round. `C1_NODE_FLAGS="--flag …"` passes node flags
 * to build B only (to evaluate V8 options), `C1_B_ENV="VR_X=1 VR_Y=2"` environment variables to
 * build B only (to evaluate a setting: `AB_B_CLI` = the base build then compares the setting alone).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, once, warmUp, type Target } from './support/load.js';
import { CLI_PATH, startGatewayProcess, startUpstreamChild, type GatewayProcess } from './support/processes.js';
import { benchModel } from './support/tokens.js';
import { runAndExit } from './support/script.js';

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

async function main(): Promise<void> {
  const baseCli = process.argv[2];
  if (!baseCli) throw new Error('usage: npx tsx bench/c1.ts <base dist/cli/main.js> [json|nostore]');
  const store = process.argv[3] === 'nostore' ? false : undefined;
  const rounds = Number(process.env.C1_ROUNDS ?? 40);
  const perRound = Number(process.env.C1_REQUESTS ?? 100);
  const settle = Number(process.env.C1_SETTLE ?? 5);
  const bFlags = (process.env.C1_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const bEnv = Object.fromEntries((process.env.C1_B_ENV ?? '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const dir = mkdtempSync(join(tmpdir(), 'vr-c1-'));
  const upstream = await startUpstreamChild();
  const gateways: GatewayProcess[] = [];
  const targets: Target[] = [];
  try {
    const body = (extra: object) => JSON.stringify({ model: benchModel(20), input: 'Say something.', ...extra });
    targets.push({
      name: 'direct',
      pool: createPool(new URL(upstream.url).origin, 1),
      path: `${new URL(upstream.url).pathname.replace(/\/$/, '')}/chat/completions`,
      body: JSON.stringify({ model: benchModel(20), messages: [{ role: 'user', content: 'Say something.' }], stream: false }),
      stream: false,
      expect: 'tok19',
    });
    const a = { cli: baseCli, flags: [] as string[], env: {} };
    const b = { cli: process.env.AB_B_CLI || CLI_PATH, flags: bFlags, env: bEnv };
    const builds: { name: 'A' | 'B'; spec: typeof a }[] = [
      { name: 'A', spec: a },
      { name: 'B', spec: b },
      { name: 'B', spec: b },
      { name: 'A', spec: a },
    ];
    for (const [i, { name, spec }] of builds.entries()) {
      const gw = await startGatewayProcess({ upstreamUrl: upstream.url, dbPath: join(dir, `${i}.db`), cli: spec.cli, nodeFlags: spec.flags, env: spec.env });
      gateways.push(gw);
      targets.push({ name, pool: createPool(gw.url, 1), path: '/v1/responses', body: body({ stream: false, store }), stream: false, expect: 'tok19' });
    }
    for (const t of targets) await warmUp(t, 1, 2000, 6000);
    const p50: Record<string, number[]> = { direct: [], A: [], B: [] };
    const p90: Record<string, number[]> = { direct: [], A: [], B: [] };
    const added: Record<string, number[]> = { A: [], B: [] };
    for (let r = 0; r < rounds; r++) {
      // The order rotates: every target follows every other one in turn.
      const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
      if (Math.floor(r / targets.length) % 2 === 1) order.reverse();
      const perTarget = new Map<Target, number[]>();
      for (const t of order) {
        // The first requests after switching target wake a process that sat idle: not timed.
        for (let i = 0; i < settle; i++) await once(t);
        const samples: number[] = [];
        for (let i = 0; i < perRound; i++) samples.push((await once(t)).totalMs);
        perTarget.set(t, samples);
      }
      const roundP50: Record<string, number> = {};
      for (const n of ['direct', 'A', 'B']) {
        // A build's samples are those of its two processes together.
        const all = targets.filter((t) => t.name === n).flatMap((t) => perTarget.get(t)!).sort((x, y) => x - y);
        roundP50[n] = quantile(all, 0.5);
        p50[n]!.push(quantile(all, 0.5));
        p90[n]!.push(quantile(all, 0.9));
      }
      for (const n of ['A', 'B']) added[n]!.push(roundP50[n]! - roundP50.direct!);
      console.log(
        `round ${r + 1}: p50 direct ${roundP50.direct!.toFixed(3)} A ${roundP50.A!.toFixed(3)} B ${roundP50.B!.toFixed(3)} ms; ` +
          `added A ${added.A!.at(-1)!.toFixed(3)} B ${added.B!.at(-1)!.toFixed(3)}; load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    const bWins = added.B!.filter((b, i) => b < added.A![i]!).length;
    console.log(`store=${store ?? 'default'}, ${rounds} rounds × ${perRound} requests per target (2 processes per build), medians of rounds:`);
    for (const n of ['direct', 'A', 'B']) console.log(`  ${n.padEnd(6)} p50 ${median(p50[n]!).toFixed(3)} ms, p90 ${median(p90[n]!).toFixed(3)} ms`);
    console.log(`  added p50 vs direct: A ${median(added.A!).toFixed(3)} ms, B ${median(added.B!).toFixed(3)} ms; B − A ${(median(added.B!) - median(added.A!)).toFixed(3)} ms (B lower in ${bWins}/${rounds} rounds)`);
  } finally {
    for (const t of targets) await t.pool.destroy();
    for (const g of gateways) await g.stop();
    await upstream.stop();
  }
}

runAndExit(main);
