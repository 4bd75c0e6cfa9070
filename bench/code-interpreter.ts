// Code-interpreter helper benchmark (the sandboxed runtime: one child process per container).
//  - cold container start: the first call in a new container, with a warm spare ready and with
//    no spare (the call then waits for a runtime process to start and load Pyodide);
//  - executions/s of a trivial snippet in warm containers, 1 and 2 calls at once;
//  - the isolation's overhead: the same throughput against the previous design (worker threads
//    in the helper process), measured on this machine from a snapshot of that source when
//    BENCH_BASELINE_SRC points at it (e.g. `git archive 074c92e src | tar -x -C /tmp/baseline`).
// Run: npm run build && npx tsx bench/code-interpreter.ts
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { isEntryPoint } from './support/script.js';

const SNIPPET = 'x = 1 + 1\nx';
const DURATION_MS = 3000;

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function post(port: number, token: string | undefined, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}/python`, { method: 'POST', headers: token ? { 'x-vr-helper-token': token } : {}, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

/** Closed loop of `clients` callers, each in its own (warm) container, for DURATION_MS. */
async function throughput(port: number, token: string | undefined, clients: number, body: (i: number) => object): Promise<{ perSecond: number; p50: number }> {
  for (let i = 0; i < clients; i++) await post(port, token, body(i));
  const latencies: number[] = [];
  const end = performance.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (performance.now() < end) {
        const t = performance.now();
        await post(port, token, body(i));
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSecond: latencies.length / (DURATION_MS / 1000), p50: p50(latencies) };
}

async function waitForSpares(server: CodeInterpreterServer, want: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const h = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as { spares_ready: number };
    if (h.spares_ready >= want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function coldContainerStarts(spares: number, rounds: number): Promise<number[]> {
  const server = await startCodeInterpreterServer({ port: 0, workers: 2, containers: { spares, maxPerPrincipal: 64, maxTotal: 64 } });
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      if (spares > 0) await waitForSpares(server, spares);
      const t = performance.now();
      await post(server.port, server.token, { code: SNIPPET, container_id: `cold${i}`, principal: 'bench', create: true });
      times.push(performance.now() - t);
    }
  } finally {
    await server.close();
  }
  return times;
}

interface BaselineServer {
  port: number;
  close(): Promise<void>;
}

/** The previous helper (worker threads), from a source snapshot, if BENCH_BASELINE_SRC is set. */
async function baselineThroughput(clients: number): Promise<{ perSecond: number; p50: number } | undefined> {
  const dir = process.env.BENCH_BASELINE_SRC;
  const file = dir ? resolve(dir, 'src/helpers/code-interpreter-server/server.ts') : undefined;
  if (!file || !existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { startCodeInterpreterServer: (o: object) => Promise<BaselineServer> };
  const server = await mod.startCodeInterpreterServer({ port: 0, workers: clients });
  try {
    return await throughput(server.port, undefined, clients, () => ({ code: SNIPPET }));
  } finally {
    await server.close();
  }
}

export async function runCodeInterpreterBench(): Promise<string> {
  const warm = await coldContainerStarts(1, 4);
  const cold = await coldContainerStarts(0, 3);
  const rows: string[] = [];
  const ratios: string[] = [];
  for (const clients of [1, 2]) {
    const server = await startCodeInterpreterServer({ port: 0, workers: 2, containers: { spares: 2 } });
    let now;
    try {
      now = await throughput(server.port, server.token, clients, (i) => ({ code: SNIPPET, container_id: `warm${i}`, principal: `bench${i}`, create: true }));
    } finally {
      await server.close();
    }
    const before = await baselineThroughput(clients);
    rows.push(`| ${clients} | ${now.perSecond.toFixed(0)} | ${now.p50.toFixed(1)} | ${before ? before.perSecond.toFixed(0) : 'n/a'} | ${before ? before.p50.toFixed(1) : 'n/a'} |`);
    if (before) ratios.push(`${clients} at once: ${(before.perSecond / now.perSecond).toFixed(2)}× the time per execution`);
  }
  return [
    '## Code interpreter helper (sandboxed runtimes)',
    '',
    'Each container is its own runtime child process (empty environment, Node permission model, network namespace where available, RLIMIT_DATA).',
    '',
    `Cold container start (first call \`${SNIPPET.replace('\n', '; ')}\` in a new container, p50): **${p50(warm).toFixed(0)} ms** with a warm spare ready (${warm.map((t) => t.toFixed(0)).join(', ')} ms), **${p50(cold).toFixed(0)} ms** without one (${cold.map((t) => t.toFixed(0)).join(', ')} ms; process start + Pyodide load).`,
    '',
    `Trivial snippet in warm containers over HTTP for ${DURATION_MS / 1000} s, one container per concurrent caller ("before": the previous worker-thread helper from \`BENCH_BASELINE_SRC\`, same machine, same run):`,
    '',
    '| calls at once | executions/s | p50 latency (ms) | before: executions/s | before: p50 (ms) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    ratios.length ? `Isolation overhead (before executions/s ÷ now): ${ratios.join('; ')}.` : 'Isolation overhead: set `BENCH_BASELINE_SRC` to a snapshot of the previous source to measure it.',
    '',
  ].join('\n');
}

if (isEntryPoint(import.meta.url)) {
  runCodeInterpreterBench().then((md) => process.stdout.write(md));
}
