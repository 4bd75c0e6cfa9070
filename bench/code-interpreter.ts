// Code-interpreter helper benchmark: executions/s of a trivial snippet with 0, 1 and 2
// workers (concurrent clients = max(1, workers) * 2), and cold start of the compiled entry
// process until GET /health answers 200. Run: npx tsx bench/code-interpreter.ts
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startCodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { HelperProcess } from '../src/supervisor/helper-process.js';

const SNIPPET = 'x = 1 + 1\nx';
const DURATION_MS = 3000;

async function throughput(workers: number): Promise<{ perSecond: number; p50: number }> {
  const server = await startCodeInterpreterServer({ port: 0, workers });
  const url = `http://127.0.0.1:${server.port}/python`;
  const latencies: number[] = [];
  const clients = Math.max(1, workers) * 2;
  const end = performance.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const res = await fetch(url, { method: 'POST', body: JSON.stringify({ code: SNIPPET }) });
        await res.json();
        latencies.push(performance.now() - t);
      }
    }),
  );
  await server.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / (DURATION_MS / 1000), p50: latencies[Math.floor(latencies.length / 2)] ?? 0 };
}

async function coldStartMs(): Promise<number | undefined> {
  const entry = resolve('dist/helpers/code-interpreter-server/entry.js');
  if (!existsSync(entry)) return undefined;
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  const helper = new HelperProcess({
    name: 'code interpreter',
    script: entry,
    args: ['--port', String(port), '--workers', '0'],
    healthUrl: `http://127.0.0.1:${port}/health`,
    startupTimeoutMs: 120_000,
    healthIntervalMs: 20,
    onOutput: () => undefined,
  });
  const t = performance.now();
  await helper.start();
  const ms = performance.now() - t;
  await helper.stop();
  return ms;
}

export async function runCodeInterpreterBench(): Promise<string> {
  const rows: string[] = [];
  for (const workers of [0, 1, 2]) {
    const r = await throughput(workers);
    rows.push(`| ${workers} | ${Math.max(1, workers) * 2} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} |`);
  }
  const cold = await coldStartMs();
  return [
    '## Code interpreter helper',
    '',
    `Trivial snippet \`${SNIPPET.replace('\n', '; ')}\` over HTTP for ${DURATION_MS / 1000} s (runtimes loaded from TypeScript sources via tsx).`,
    '',
    '| workers | concurrent clients | executions/s | p50 latency (ms) |',
    '|---|---|---|---|',
    ...rows,
    '',
    cold === undefined
      ? 'Cold start: skipped (build first: `npx tsc -p tsconfig.build.json`).'
      : `Cold start of the compiled helper (\`--workers 0\`) until \`GET /health\` = 200: **${cold.toFixed(0)} ms**.`,
    '',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runCodeInterpreterBench().then((md) => process.stdout.write(md));
}
