// Entry of one runtime worker thread: loads Pyodide, hardens the thread, then executes one
// call at a time on request from the pool. Runs Python synchronously on this thread, which
// is what lets the pool interrupt it (interrupt buffer) or terminate it (worker.terminate).
import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import type { BridgeHttpRequest, BridgeHttpResponse } from '../egress-fetch.js';
import { capWasmMemory, codegenBlocked, fencePyodide, stripThreadGlobals } from './harden.js';
import { capText, OutputCollector } from './output-collector.js';
import type { ExecResult, FromWorker, RuntimeWorkerData, ToWorker } from './protocol.js';
import { PYTHON_PRELUDE } from './python-prelude.js';
import { missingPackageHint } from './missing-package-hint.js';
import { waitSyncReply, createSyncReplyBuffer } from './sync-reply.js';

const MAX_HTTP_BODY = 10 * 1024 * 1024;

if (!parentPort) throw new Error('runtime-worker must run in a worker thread');
const port = parentPort;
const data = workerData as RuntimeWorkerData;
const post = (msg: FromWorker) => port.postMessage(msg);

interface CallState {
  stdout: OutputCollector;
  stderr: OutputCollector;
  deadline: number;
}

async function main(): Promise<void> {
  capWasmMemory(data.wasmMemoryLimitBytes);
  let current: CallState | undefined;
  let nextReqId = 1;
  const pendingHttp = new Map<number, (r: BridgeHttpResponse) => void>();
  const remaining = () => Math.max(1, (current?.deadline ?? Date.now() + 30_000) - Date.now());

  // Async bridge used by pyodide.http.pyfetch (it calls `js.fetch`).
  const bridgeFetch = async (input: unknown, init?: RequestInit): Promise<Response> => {
    const req = new Request(input as string, init);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : new Uint8Array(await req.arrayBuffer());
    const reqId = nextReqId++;
    const answer = new Promise<BridgeHttpResponse>((resolve) => pendingHttp.set(reqId, resolve));
    const request: BridgeHttpRequest = { method: req.method, url: req.url, headers: [...req.headers], body };
    post({ type: 'http', reqId, request, timeoutMs: remaining() });
    const r = await answer;
    if (!r.ok) throw new Error(r.error);
    const nullBody = [101, 204, 205, 304].includes(r.status);
    return new Response(nullBody ? null : r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
  };

  // Sync bridge used by the urllib handler from the prelude.
  const httpSync = (method: string, url: string, headersJson: string, body: unknown) => {
    const sync = createSyncReplyBuffer(MAX_HTTP_BODY);
    const bytes = body == null ? undefined : toBytes(body);
    const request: BridgeHttpRequest = { method, url, headers: JSON.parse(headersJson) as [string, string][], body: bytes };
    const timeoutMs = remaining();
    post({ type: 'http', reqId: nextReqId++, request, timeoutMs, sync });
    const r = waitSyncReply(sync, timeoutMs + 1000);
    return r.ok
      ? { ok: true, status: r.status, statusText: r.statusText, url: r.url, headers: JSON.stringify(r.headers), body: r.body }
      : { ok: false, error: r.error };
  };

  // What Python sees as the `js` module: harmless constructors, timers for asyncio, and the
  // policy-checked fetch. No process, require, fs or raw network.
  const jsglobals = {
    Object, Array, Map, Set, WeakRef, Promise, Error, TypeError, RangeError, Symbol, JSON, Math, Date,
    Uint8Array, Int32Array, Float64Array, ArrayBuffer, DataView, TextEncoder, TextDecoder, URL,
    Request, Response, Headers, AbortController, AbortSignal,
    setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask,
    fetch: bridgeFetch,
  };

  const t0 = performance.now();
  const packageDir = data.packageDir ? withSlash(data.packageDir) : undefined;
  const indexDir = withSlash(data.indexDir);
  const pyodide = await loadPyodide({
    indexURL: indexDir,
    // Packages come only from the local distribution (or nowhere): packageBaseUrl is also
    // what Pyodide would otherwise replace with its CDN, so it must always be local.
    packageBaseUrl: packageDir ?? indexDir,
    packageCacheDir: packageDir ?? indexDir,
    ...(packageDir ? { lockFileURL: `${packageDir}pyodide-lock.json` } : {}),
    env: { HOME: '/home/pyodide', MPLBACKEND: 'Agg' },
    jsglobals,
    stdout: () => undefined,
    stderr: () => undefined,
  });
  const loadMs = performance.now() - t0;

  pyodide.setInterruptBuffer(new Int32Array(data.interruptBuffer));
  pyodide.setStdout({ write: (buf: Uint8Array) => (current?.stdout.write(buf), buf.byteLength) });
  pyodide.setStderr({ write: (buf: Uint8Array) => (current?.stderr.write(buf), buf.byteLength) });

  const importNames = (pyodide as unknown as { _api: { _import_name_to_package_name?: Map<string, string> } })._api
    ._import_name_to_package_name;
  pyodide.registerJsModule('_vr_bridge', {
    http_sync: httpSync,
    max_images: data.caps.maxImages,
    image_bytes: data.caps.imageBytes,
    is_known_package: (name: string) => importNames?.has(name) ?? false,
    missing_package_hint: (name: string) =>
      missingPackageHint(importNames?.get(name) ?? name, data.pyodideVersion, data.packageDir),
  });
  const preludeGlobals = pyodide.globals.get('dict')();
  pyodide.runPython(PYTHON_PRELUDE, { globals: preludeGlobals });
  const vrRun = preludeGlobals.get('_vr_run') as (code: string) => Promise<string>;

  fencePyodide(pyodide as unknown as Record<string, unknown>, [indexDir, ...(packageDir ? [packageDir] : [])]);
  stripThreadGlobals();
  post({ type: 'ready', loadMs, codegenBlocked: codegenBlocked() });

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'http-response') {
      pendingHttp.get(msg.reqId)?.(msg.response);
      pendingHttp.delete(msg.reqId);
      return;
    }
    const started = performance.now();
    current = {
      stdout: new OutputCollector(data.caps.textBytes),
      stderr: new OutputCollector(data.caps.textBytes),
      deadline: Date.now() + msg.timeoutMs,
    };
    const call = current;
    void (async () => {
      if (packageDir) {
        // Only the local distribution is consulted; a missing wheel surfaces as an import error.
        await pyodide
          .loadPackagesFromImports(msg.code, { messageCallback: () => undefined, errorCallback: (m) => call.stderr.write(new TextEncoder().encode(`${m}\n`)) })
          .catch(() => undefined);
      }
      const raw = JSON.parse(await vrRun(msg.code)) as {
        status: ExecResult['status'];
        result: string | null;
        error: string | null;
        interrupted: boolean;
        images: string[];
        notes: string[];
      };
      for (const note of raw.notes) call.stderr.write(new TextEncoder().encode(`${note}\n`));
      const result: ExecResult = {
        status: raw.status,
        stdout: call.stdout.text(),
        stderr: call.stderr.text(),
        result: raw.result === null ? null : capText(raw.result, data.caps.textBytes),
        execution_time_ms: Math.round(performance.now() - started),
      };
      if (raw.error !== null) result.error = capText(raw.error, data.caps.textBytes);
      if (raw.images.length > 0) result.images = raw.images.map((b64) => ({ type: 'image', url: `data:image/png;base64,${b64}` }));
      current = undefined;
      post({ type: 'result', id: msg.id, result, interrupted: raw.interrupted });
    })().catch((err: unknown) => {
      // Something broke outside user code: the runtime is not trustworthy any more.
      post({ type: 'fatal', error: err instanceof Error ? err.message : String(err) });
    });
  });
}

function withSlash(dir: string): string {
  return dir.endsWith('/') ? dir : `${dir}/`;
}

function toBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  const proxy = body as { toJs?: () => unknown; destroy?: () => void };
  if (typeof proxy.toJs === 'function') {
    const value = proxy.toJs();
    proxy.destroy?.();
    if (value instanceof Uint8Array) return value;
  }
  return new TextEncoder().encode(String(body));
}

main().catch((err: unknown) => {
  post({ type: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
