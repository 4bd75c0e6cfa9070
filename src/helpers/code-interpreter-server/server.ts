// The code-interpreter helper's loopback HTTP API (README, "Built-in tool: code_interpreter"):
//   GET /health                -> { status, pyodide_loaded, uptime_seconds, execution_count, ready_worker_count?, configured_worker_count?, running, queued, containers, spares_ready }
//   POST /python               -> { status, stdout, stderr, result, error?, execution_time_ms, images? }
//        body { code, container_id?, principal?, create? }
//   GET /containers/:id?principal=P -> { id, status: "running", last_active_at } or 404
// Everything but /health needs the per-start token in `x-vr-helper-token`, so no other local
// process can run code or probe containers. A caller that disconnects cancels its run.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HELPER_TOKEN_HEADER, newHelperToken, tokenMatcher } from '../helper-token.js';
import { ContainerError, ContainerRegistry, type ContainerLimits } from './containers.js';
import { createEgressChecker } from './egress-check.js';
import { createEgressFetch } from './egress-fetch.js';
import { DEFAULT_EGRESS_POLICY, type EgressPolicy } from './egress-policy.js';
import { silentLogger, type HelperLogger } from './logger.js';
import { detectSandboxSupport, launchPlan, type SandboxSupport } from './runtime/launch.js';
import type { FileCaps, OutputCaps } from './runtime/protocol.js';
import { RuntimeProcess } from './runtime/runtime-process.js';
import { Scheduler, type SchedulerLimits } from './scheduler.js';

/** Principal of direct calls that name none (the gateway always names one). */
const DEFAULT_PRINCIPAL = 'anonymous';
const DEFAULT_CONTAINER = 'default';

export interface CodeInterpreterServerOptions {
  host?: string;
  port: number;
  /** Runs at once: 0 = the default (2); N >= 1 = N. Health then reports the count. */
  workers: number;
  timeoutMs?: number;
  egressPolicy?: EgressPolicy;
  /** Full Pyodide distribution directory for extra packages (VR_PYODIDE_CACHE_DIR). */
  pyodideCacheDir?: string;
  logger?: HelperLogger;
  /** Memory limit of each runtime process (everything: Python heap, JS heap, ArrayBuffers). Default 1024 MiB. */
  memoryLimitMb?: number;
  caps?: Partial<OutputCaps>;
  files?: Partial<FileCaps>;
  containers?: Partial<ContainerLimits>;
  scheduling?: Partial<SchedulerLimits>;
  /** Max request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Shared secret the gateway sends; generated when omitted (read it from `server.token`). */
  token?: string;
  /** How often each runtime's resident memory is checked. Default 50 ms. */
  memoryPollMs?: number;
  /** Test-only: disable one sandbox layer to prove the others hold alone. */
  unsafeDisableLayer?: 'permission' | 'js-hardening';
}

export interface CodeInterpreterServer {
  port: number;
  token: string;
  /** Time the first runtime took to load Pyodide at start-up. */
  pyodideLoadMs: number;
  /** Which OS layers this machine supports (see runtime/launch.ts). */
  sandbox: SandboxSupport;
  close(): Promise<void>;
}

const DEFAULT_CAPS: OutputCaps = { textBytes: 64 * 1024, maxImages: 8, imageBytes: 4 * 1024 * 1024 };
const DEFAULT_FILES: FileCaps = { totalBytes: 100 * 1024 * 1024, count: 10_000 };
const DEFAULT_CONTAINERS: ContainerLimits = { idleMs: 20 * 60_000, maxPerPrincipal: 4, maxTotal: 16, spares: 1 };

export async function startCodeInterpreterServer(opts: CodeInterpreterServerOptions): Promise<CodeInterpreterServer> {
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new Error(`workers must be an integer >= 0 (got ${opts.workers})`);
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const token = opts.token ?? newHelperToken();
  const tokenOk = tokenMatcher(token);
  const memoryLimitBytes = (opts.memoryLimitMb ?? 1024) * 1024 * 1024;
  const pyodide = locatePyodide();
  const packageDir = opts.pyodideCacheDir ? withSlash(resolve(opts.pyodideCacheDir)) : undefined;
  const egress = createEgressFetch(createEgressChecker(opts.egressPolicy ?? DEFAULT_EGRESS_POLICY));
  const support = detectSandboxSupport();
  const missing = [!support.permissionFlag && 'Node permission model', !support.netns && 'network namespace (unshare)', !support.shell && 'memory rlimit (sh ulimit -d)'].filter(Boolean);
  if (missing.length > 0) logger.warn({ event: 'sandbox_layer_missing', missing }, `code interpreter sandbox: unavailable here: ${missing.join(', ')}`);
  const launch = launchPlan({
    support,
    readDirs: [pyodide.dir, ...(packageDir ? [packageDir] : [])],
    memoryLimitBytes,
    maxOldGenerationSizeMb: Math.max(64, Math.min(512, Math.floor(memoryLimitBytes / 1024 / 1024 / 2))),
    skipPermission: opts.unsafeDisableLayer === 'permission',
  });
  const concurrency = opts.workers >= 1 ? opts.workers : 2;
  const limits: SchedulerLimits = {
    maxConcurrent: concurrency,
    maxConcurrentPerPrincipal: Math.max(1, concurrency - 1),
    maxQueued: 64,
    ...opts.scheduling,
  };
  const registry = new ContainerRegistry({
    limits: { ...DEFAULT_CONTAINERS, ...opts.containers },
    logger,
    newRuntime: () =>
      new RuntimeProcess({
        launch,
        init: {
          pyodideModuleUrl: pathToFileURL(resolve(pyodide.dir, 'pyodide.mjs')).href,
          indexDir: pyodide.dir,
          packageDir,
          pyodideVersion: pyodide.version,
          // The Python heap gets most of the budget; the rest is the JS side's.
          wasmMemoryLimitBytes: Math.floor(memoryLimitBytes * 0.75),
          caps: { ...DEFAULT_CAPS, ...opts.caps },
          files: { ...DEFAULT_FILES, ...opts.files },
          ...(opts.unsafeDisableLayer === 'js-hardening' ? { skipJsHardening: true } : {}),
        },
        egressFetch: egress.fetch,
        memoryLimitBytes,
        memoryPollMs: opts.memoryPollMs ?? 50,
        startupTimeoutMs: 120_000,
      }),
  });
  const scheduler = new Scheduler(limits, registry, logger);

  let pyodideLoadMs: number;
  try {
    pyodideLoadMs = await registry.start();
  } catch (err) {
    await registry.close();
    await egress.close();
    throw new Error(`code interpreter runtime failed to start: ${(err as Error).message}`);
  }

  const startedAt = Date.now();
  let executionCount = 0;

  const health = () => {
    const s = registry.stats();
    const ready = registry.readyRuntimes();
    const status = s.failures >= 3 && ready === 0 ? 'unhealthy' : s.sparesReady < s.spareTarget || s.failures > 0 ? 'degraded' : 'healthy';
    const work = scheduler.stats();
    return {
      status,
      pyodide_loaded: registry.everLoaded,
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
      execution_count: executionCount,
      ...(opts.workers >= 1 ? { ready_worker_count: ready, configured_worker_count: concurrency } : {}),
      running: work.running,
      queued: work.queued,
      containers: s.containers,
      spares_ready: s.sparesReady,
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
    const url = new URL(req.url ?? '/', 'http://helper');
    const path = url.pathname;
    if (path === '/health' && req.method === 'GET') {
      const body = health();
      return sendJson(res, body.status === 'unhealthy' ? 503 : 200, body);
    }
    if (!tokenOk(req.headers[HELPER_TOKEN_HEADER])) {
      logger.warn({ event: 'helper_auth_failed', path, remote: req.socket.remoteAddress }, 'code interpreter call without a valid token refused');
      return sendError(res, 401, 'missing or invalid helper token');
    }
    if (path === '/python' && req.method === 'POST') {
      const body = await readBody(req, maxBody);
      if (body === 'too_large') return sendError(res, 413, `request body exceeds ${maxBody} bytes`);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
        if (!json || typeof json !== 'object') throw new Error('not an object');
      } catch {
        return sendError(res, 400, 'request body must be a JSON object');
      }
      const { code, container_id: containerId, principal, create } = json;
      if (typeof code !== 'string') return sendError(res, 400, '"code" is required and must be a string');
      if (containerId !== undefined && (typeof containerId !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(containerId))) return sendError(res, 400, '"container_id" must be an id string');
      if (principal !== undefined && (typeof principal !== 'string' || principal.length === 0 || principal.length > 128)) return sendError(res, 400, '"principal" must be a non-empty string');
      // The caller leaving (gateway request cancelled, client gone) cancels the run.
      const abort = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      executionCount++;
      try {
        const result = await scheduler.submit({
          principal: principal ?? DEFAULT_PRINCIPAL,
          containerId: containerId ?? DEFAULT_CONTAINER,
          create: containerId === undefined || create === true,
          code,
          timeoutMs,
          signal: abort.signal,
        });
        if (!abort.signal.aborted) sendJson(res, 200, result);
      } catch (err) {
        if (err instanceof ContainerError) return sendJson(res, err.code === 'container_not_found' ? 404 : 429, { error: { message: err.message, type: 'invalid_request_error', code: err.code } });
        throw err;
      }
      return;
    }
    const match = /^\/containers\/([^/]+)$/.exec(path);
    if (match && req.method === 'GET') {
      const c = registry.get(decodeURIComponent(match[1]!), url.searchParams.get('principal') ?? DEFAULT_PRINCIPAL);
      if (!c) return sendJson(res, 404, { error: { message: 'container not found', type: 'invalid_request_error', code: 'container_not_found' } });
      return sendJson(res, 200, { id: c.id, status: 'running', last_active_at: Math.floor(c.lastActive / 1000) });
    }
    if (path === '/health' || path === '/python' || match) return sendError(res, 405, `method ${req.method} not allowed`);
    return sendError(res, 404, `no route ${req.method} ${path}`);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, workers: opts.workers, pyodide_load_ms: Math.round(pyodideLoadMs), sandbox: { permission: support.permissionFlag, netns: support.netns !== null, rlimit: support.shell !== null } }, 'code interpreter helper listening');

  return {
    port,
    token,
    pyodideLoadMs,
    sandbox: support,
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      scheduler.close();
      await registry.close();
      await egress.close();
    },
  };
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

function locatePyodide(): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('pyodide'));
  const { version } = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir: withSlash(dir), version };
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
