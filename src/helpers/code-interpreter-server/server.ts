// The code-interpreter helper's loopback HTTP API (README, "Built-in tool: code_interpreter"):
//   GET /health  -> { status, pyodide_loaded, uptime_seconds, execution_count, ready_worker_count?, configured_worker_count? }
//   POST /python -> { status, stdout, stderr, result, error?, execution_time_ms, images? }
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { createEgressChecker } from './egress-check.js';
import { createEgressFetch } from './egress-fetch.js';
import { DEFAULT_EGRESS_POLICY, type EgressPolicy } from './egress-policy.js';
import { silentLogger, type HelperLogger } from './logger.js';
import { RuntimePool } from './runtime/pool.js';
import type { OutputCaps } from './runtime/protocol.js';

export interface CodeInterpreterServerOptions {
  host?: string;
  port: number;
  /** 0 = a single runtime (health then omits the pool counts); N >= 1 = pool of N runtimes. */
  workers: number;
  timeoutMs?: number;
  egressPolicy?: EgressPolicy;
  /** Full Pyodide distribution directory for extra packages (VR_PYODIDE_CACHE_DIR). */
  pyodideCacheDir?: string;
  logger?: HelperLogger;
  /** Cap on each runtime's Python (WebAssembly) heap. Default 1 GiB. */
  memoryLimitMb?: number;
  caps?: Partial<OutputCaps>;
  /** Grace after the interrupt before a runtime is terminated. Default 2000 ms. */
  interruptGraceMs?: number;
  /** Max request body. Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface CodeInterpreterServer {
  port: number;
  /** Time the (slowest) runtime took to load Pyodide at start-up. */
  pyodideLoadMs: number;
  close(): Promise<void>;
}

const DEFAULT_CAPS: OutputCaps = { textBytes: 64 * 1024, maxImages: 8, imageBytes: 4 * 1024 * 1024 };

export async function startCodeInterpreterServer(opts: CodeInterpreterServerOptions): Promise<CodeInterpreterServer> {
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new Error(`workers must be an integer >= 0 (got ${opts.workers})`);
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const pyodide = locatePyodide();
  const egress = createEgressFetch(createEgressChecker(opts.egressPolicy ?? DEFAULT_EGRESS_POLICY));
  const pool = new RuntimePool({
    size: Math.max(1, opts.workers),
    logger,
    runtime: {
      workerData: {
        indexDir: pyodide.dir,
        packageDir: opts.pyodideCacheDir ? resolve(opts.pyodideCacheDir) : undefined,
        pyodideVersion: pyodide.version,
        wasmMemoryLimitBytes: (opts.memoryLimitMb ?? 1024) * 1024 * 1024,
        caps: { ...DEFAULT_CAPS, ...opts.caps },
      },
      egressFetch: egress.fetch,
      interruptGraceMs: opts.interruptGraceMs ?? 2000,
      maxOldGenerationSizeMb: 512,
      startupTimeoutMs: 120_000,
    },
  });

  let pyodideLoadMs: number;
  try {
    pyodideLoadMs = await pool.start();
  } catch (err) {
    await pool.close();
    await egress.close();
    throw new Error(`code interpreter runtime failed to start: ${(err as Error).message}`);
  }

  const startedAt = Date.now();
  let executionCount = 0;

  const health = () => {
    const s = pool.stats();
    const status = s.ready === 0 ? 'unhealthy' : s.ready < s.configured ? 'degraded' : 'healthy';
    return {
      status,
      pyodide_loaded: s.loaded,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      execution_count: executionCount,
      ...(opts.workers >= 1 ? { ready_worker_count: s.ready, configured_worker_count: s.configured } : {}),
    };
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err: (err as Error).message }, 'code interpreter request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'internal error', type: 'server_error' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health' && req.method === 'GET') {
      const body = health();
      return sendJson(res, body.status === 'unhealthy' ? 503 : 200, body);
    }
    if (path === '/python' && req.method === 'POST') {
      const body = await readBody(req, maxBody);
      if (body === 'too_large') return sendError(res, 413, `request body exceeds ${maxBody} bytes`);
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return sendError(res, 400, 'request body must be valid JSON');
      }
      const code = (json as { code?: unknown } | null)?.code;
      if (typeof code !== 'string') return sendError(res, 400, '"code" is required and must be a string');
      // reset_globals is accepted for compatibility; every call already gets fresh globals.
      executionCount++;
      const result = await pool.execute(code, timeoutMs);
      return sendJson(res, 200, result);
    }
    if (path === '/health' || path === '/python') return sendError(res, 405, `method ${req.method} not allowed`);
    return sendError(res, 404, `no route ${req.method} ${path}`);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, workers: opts.workers, pyodide_load_ms: Math.round(pyodideLoadMs) }, 'code interpreter helper listening');

  return {
    port,
    pyodideLoadMs,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await pool.close();
      await egress.close();
    },
  };
}

function locatePyodide(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('pyodide'));
  const { version } = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

async function readBody(req: IncomingMessage, max: number): Promise<string | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    // Keep draining (without storing) so the client reads our 413 instead of a reset;
    // give up on absurd sizes.
    if (size > max * 16) req.destroy();
    else if (size <= max) chunks.push(chunk);
  }
  return size > max ? 'too_large' : Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error' } });
}
