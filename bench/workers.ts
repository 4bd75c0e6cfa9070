/**
 * Workers and observability bench: requests/s at concurrency 64 through the real CLI with
 * `--gateway-workers 1` vs `2`, and the cost of metrics + tracing (sample ratio 1.0, exported to
 * an OTLP collector on loopback) vs both disabled. The fake upstream runs in its own process
 * (bench/support/upstream-child.ts).
 *
 *   npx tsx bench/workers.ts            # this section only (build first: npm run build)
 *   BENCH_QUICK=1 npx tsx bench/workers.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver, type OtlpReceiver } from '../test/observability/support/otlp-receiver.js';
import { freePort } from '../test/support/cli.js';
import { closedLoop, createPool, warmUp, type RunResult, type Target } from './support/load.js';
import { CLI_PATH, startUpstreamChild, stopChild } from './support/processes.js';
import { fmtMs, fmtNum, percentile, sleep, table } from './support/stats.js';
import { benchModel, benchToken } from './support/tokens.js';
import { isEntryPoint, printAndExit } from './support/script.js';

const QUICK = process.env.BENCH_QUICK === '1';
const CONCURRENCY = 64;
const PHASE = { concurrency: CONCURRENCY, maxRequests: 1_000_000, durationMs: QUICK ? 2000 : 5000 };
const WARM = { requests: 500, durationMs: QUICK ? 800 : 2000 };
const JSON_TOKENS = 20;
const STREAM_TOKENS = 200;

interface Gateway {
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The real CLI, ready once its start-up summary is printed (every worker listening). */
async function startGateway(upstreamUrl: string, workers: number, env: Record<string, string>, dbPath: string): Promise<Gateway> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI_PATH, 'serve', '--upstream', upstreamUrl, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--gateway-workers', String(workers), '--code-interpreter', 'disabled', '--upstream-ready-interval', '0.2'],
    { env: { ...process.env, VR_DB_PATH: dbPath, VR_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8192)));
  const deadline = Date.now() + 30_000;
  while (!err.includes('gateway listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child, 1000);
      throw new Error(`gateway (${workers} workers) did not start:\n${err}`);
    }
    await sleep(100);
  }
  return { origin: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child, 10_000) };
}

interface Row {
  label: string;
  json: RunResult;
  stream: RunResult;
}

async function measure(label: string, gateway: Gateway): Promise<Row> {
  const pool = createPool(gateway.origin, CONCURRENCY * 2);
  const body = (tokens: number, stream: boolean) => JSON.stringify({ model: benchModel(tokens), input: 'Say something.', stream, store: false });
  const json: Target = { name: `${label} JSON`, pool, path: '/v1/responses', body: body(JSON_TOKENS, false), stream: false, expect: benchToken(JSON_TOKENS - 1).trim() };
  const stream: Target = { name: `${label} stream`, pool, path: '/v1/responses', body: body(STREAM_TOKENS, true), stream: true, expect: 'response.completed' };
  try {
    await warmUp(json, CONCURRENCY, WARM.requests, WARM.durationMs);
    const jsonRun = await closedLoop(json, PHASE);
    await warmUp(stream, CONCURRENCY, WARM.requests / 5, WARM.durationMs);
    const streamRun = await closedLoop(stream, PHASE);
    for (const run of [jsonRun, streamRun]) if (run.errors) throw new Error(`${label}: ${run.errors} errors, first: ${run.firstError}`);
    return { label, json: jsonRun, stream: streamRun };
  } finally {
    await pool.close();
  }
}

async function withGateway(upstreamUrl: string, dir: string, label: string, workers: number, env: Record<string, string>): Promise<Row> {
  const gateway = await startGateway(upstreamUrl, workers, env, `sqlite:///${join(dir, `${label.replace(/\W+/g, '-')}.db`)}`);
  try {
    return await measure(label, gateway);
  } finally {
    await gateway.stop();
  }
}

const p50 = (r: RunResult) => fmtMs(percentile(r.samples.map((s) => s.totalMs), 50));
const p99 = (r: RunResult) => fmtMs(percentile(r.samples.map((s) => s.totalMs), 99));
const ratio = (a: number, b: number) => `${fmtNum(a / b, 2)}×`;
const change = (a: number, b: number) => `${a >= b ? '+' : '−'}${fmtNum((Math.abs(a - b) / b) * 100, 1)}%`;

export async function runWorkersBench(): Promise<string> {
  const upstream = await startUpstreamChild();
  const dir = mkdtempSync(join(tmpdir(), 'vr-bench-workers-'));
  let receiver: OtlpReceiver | null = null;
  try {
    const off = { VR_METRICS_ENABLED: 'false', VR_TRACING_ENABLED: 'false' };
    const one = await withGateway(upstream.url, dir, '1 worker', 1, {});
    const two = await withGateway(upstream.url, dir, '2 workers', 2, {});
    const bare = await withGateway(upstream.url, dir, 'metrics off, tracing off', 1, off);
    receiver = await startOtlpReceiver();
    const traced = await withGateway(upstream.url, dir, 'metrics on, tracing on (ratio 1.0)', 1, {
      VR_TRACING_ENABLED: 'true',
      VR_TRACING_SAMPLE_RATIO: '1.0',
      VR_OPENTELEMETRY_HOST: '127.0.0.1',
      VR_OPENTELEMETRY_PORT: String(receiver.port),
    });
    const spans = receiver.spans.length;

    const rows = (list: Row[]) =>
      list.map((r) => [r.label, fmtNum(r.json.rps), p50(r.json), p99(r.json), fmtNum(r.stream.rps), p50(r.stream), p99(r.stream)]);
    const header = ['gateway', 'JSON req/s', 'JSON p50', 'JSON p99', 'stream req/s', 'stream p50', 'stream p99'];
    return [
      '## Gateway workers and observability overhead',
      '',
      `Real CLI (\`--code-interpreter disabled\`, \`store: false\`) in front of the fast fake upstream child, closed loop of ${CONCURRENCY} clients, ${PHASE.durationMs / 1000} s per phase after a warm-up; JSON = ${JSON_TOKENS}-token answers, stream = ${STREAM_TOKENS}-token SSE streams. Machine: ${cpus().length} logical cores shared by the load generator, the upstream child and the gateway process(es).`,
      '',
      '### 1 vs 2 workers (metrics on, tracing off: the defaults)',
      '',
      table(header, rows([one, two])),
      '',
      `Scaling with 2 workers: JSON ${ratio(two.json.rps, one.json.rps)}, stream ${ratio(two.stream.rps, one.stream.rps)}. On ${cpus().length} cores the load generator and the upstream child already take about a core between them, so a second worker has no core of its own: it adds context switches rather than capacity. Workers pay off when the gateway has spare cores (a real upstream runs on its own GPU host).`,
      '',
      '### Metrics + tracing vs neither (1 worker)',
      '',
      table(header, rows([bare, traced])),
      '',
      `Throughput change with metrics and tracing on (every request sampled, ${spans} spans received by the loopback collector): JSON ${change(traced.json.rps, bare.json.rps)}, stream ${change(traced.stream.rps, bare.stream.rps)}. The production default samples 1% of traces (\`VR_TRACING_SAMPLE_RATIO=0.01\`), which costs much less.`,
      '',
    ].join('\n');
  } finally {
    await receiver?.close();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isEntryPoint(import.meta.url)) {
  printAndExit(runWorkersBench());
}
