/**
 * The bench's load generator: undici keep-alive pools, a closed-loop runner bounded in both
 * request count and wall time, and one-request probes for JSON and SSE bodies.
 */
import { Pool } from 'undici';
import { FIRST_TOKEN_MARK } from './tokens.js';

/** Per-request ceiling: a stuck request fails the bench instead of hanging it. */
const REQUEST_TIMEOUT_MS = 30_000;

export function createPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
}

export interface Target {
  /** Label for error messages. */
  name: string;
  pool: Pool;
  path: string;
  /** Pre-serialised JSON request body. */
  body: string;
  stream: boolean;
  /** A string every successful body must contain (checked on the first request of a run). */
  expect?: string;
}

export interface Sample {
  /** Request start → end of body. */
  totalMs: number;
  /** Request start → first text delta (streams only). */
  firstTokenMs: number;
}

const MARK = Buffer.from(FIRST_TOKEN_MARK);

/** One request; reads the whole body. Throws on a non-200 status or a body that fails `expect`. */
export async function once(target: Target, verify = false): Promise<Sample> {
  const t0 = performance.now();
  const res = await target.pool.request({
    method: 'POST',
    path: target.path,
    headers: { 'content-type': 'application/json', accept: target.stream ? 'text/event-stream' : 'application/json' },
    body: target.body,
  });
  if (res.statusCode !== 200) {
    const text = await res.body.text();
    throw new Error(`${target.name}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  }
  if (!target.stream && !verify) {
    await res.body.arrayBuffer();
    const t = performance.now() - t0;
    return { totalMs: t, firstTokenMs: t };
  }
  let firstTokenMs = Number.NaN;
  let tail: Buffer = Buffer.alloc(0);
  const kept: Buffer[] = [];
  for await (const raw of res.body) {
    const chunk = raw as Buffer;
    if (verify) kept.push(chunk);
    if (Number.isNaN(firstTokenMs)) {
      const window = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      if (window.indexOf(MARK) !== -1) firstTokenMs = performance.now() - t0;
      else tail = window.subarray(Math.max(0, window.length - (MARK.length - 1)));
    }
  }
  const totalMs = performance.now() - t0;
  if (verify) {
    const text = Buffer.concat(kept).toString('utf8');
    if (target.expect && !text.includes(target.expect)) {
      throw new Error(`${target.name}: body lacks ${JSON.stringify(target.expect)}: ${text.slice(0, 300)}…${text.slice(-300)}`);
    }
    if (target.stream && Number.isNaN(firstTokenMs)) throw new Error(`${target.name}: no text delta in the stream`);
  }
  return { totalMs, firstTokenMs };
}

export interface RunLimits {
  concurrency: number;
  /** Stop issuing after this many requests… */
  maxRequests: number;
  /** …or after this much wall time, whichever comes first. */
  durationMs: number;
}

export interface RunResult {
  samples: Sample[];
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  /** Completed requests per second over the run. */
  rps: number;
}

/** Closed loop: `concurrency` workers, each sending its next request when the last one ends. */
export async function closedLoop(target: Target, limits: RunLimits): Promise<RunResult> {
  const samples: Sample[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const deadline = start + limits.durationMs;
  const worker = async () => {
    while (issued < limits.maxRequests && performance.now() < deadline) {
      issued++;
      try {
        samples.push(await once(target));
      } catch (err) {
        errors++;
        firstError ??= (err as Error).message;
        // A failing target fails fast rather than spinning through the whole time budget.
        if (errors > 100 && errors > samples.length) return;
      }
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  return { samples, errors, firstError, elapsedMs, rps: (samples.length / elapsedMs) * 1000 };
}

/** Sends requests and throws away the results: JIT, connection pools and caches get warm. */
export async function warmUp(target: Target, concurrency: number, requests: number, durationMs: number): Promise<void> {
  await once(target, true);
  const r = await closedLoop(target, { concurrency, maxRequests: requests, durationMs });
  if (r.errors) throw new Error(`warm-up of ${target.name} failed: ${r.firstError}`);
}
