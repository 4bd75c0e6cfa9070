// Entry of one runtime child process: one Pyodide runtime = one container. The helper spawns
// it through launch.ts (empty environment, Node's permission model, no network, memory
// rlimit), sends `init`, then one `exec` at a time over the IPC channel. Python runs
// synchronously on this process's only thread; the helper stops runaway code by killing the
// process, so nothing here has to be interruptible.
import { constants as fsConstants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { BridgeHttpRequest, BridgeHttpResponse } from '../egress-fetch.js';
import { capFileSystem } from './file-caps.js';
import { capWasmMemory, codegenBlocked, fencePyodide, lockStackTraceHooks, minimalPyodideJs, patchProcessBinding, PURGE_PYODIDE_JS, stripGlobals } from './harden.js';
import { missingPackageHint } from './missing-package-hint.js';
import { capText, OutputCollector } from './output-collector.js';
import type { ExecResult, FromRuntime, RuntimeInit, ToRuntime } from './protocol.js';
import { PYTHON_PRELUDE } from './python-prelude.js';
import { syncCall } from './sync-pipe.js';

// Captured before the globals are stripped: the only channel to the helper.
const proc = process;
const send = (msg: FromRuntime) => proc.send?.(msg);
patchProcessBinding({ os: osConstants, fs: fsConstants });

interface CallState {
  stdout: OutputCollector;
  stderr: OutputCollector;
  deadline: number;
}

type PyodideApi = Record<string, unknown> & {
  runPython(code: string, opts?: { globals?: unknown }): unknown;
  registerJsModule(name: string, module: object): void;
  unregisterJsModule(name: string): void;
  loadPackagesFromImports(code: string, opts: object): Promise<unknown>;
  setStdout(opts: object): void;
  setStderr(opts: object): void;
  globals: { get(name: string): (...args: unknown[]) => { get(name: string): unknown } };
  FS: Parameters<typeof capFileSystem>[0];
};

async function start(init: RuntimeInit): Promise<void> {
  capWasmMemory(init.wasmMemoryLimitBytes);
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
    send({ type: 'http', reqId, request, timeoutMs: remaining() });
    const r = await answer;
    if (!r.ok) throw new Error(r.error);
    const nullBody = [101, 204, 205, 304].includes(r.status);
    return new Response(nullBody ? null : r.body, { status: r.status, statusText: r.statusText, headers: r.headers });
  };

  // Sync bridge used by the urllib handler from the prelude.
  const httpSync = (method: string, url: string, headersJson: string, body: unknown) => {
    const bytes = body == null ? undefined : toBytes(body);
    const request: BridgeHttpRequest = { method, url, headers: JSON.parse(headersJson) as [string, string][], body: bytes };
    const r = syncCall<BridgeHttpResponse>({ request, timeoutMs: remaining() });
    return r.ok
      ? // v8.deserialize revives byte arrays as Buffers, which Pyodide does not convert: copy.
        { ok: true, status: r.status, statusText: r.statusText, url: r.url, headers: JSON.stringify(r.headers), body: new Uint8Array(r.body) }
      : { ok: false, error: r.error };
  };

  // Timers hand Python a number, never Node's Timeout object (which links to other timers).
  const timers = new Map<number, NodeJS.Timeout>();
  let nextTimer = 1;
  const addTimer = (repeat: boolean) => (fn: () => void, ms?: number) => {
    const id = nextTimer++;
    const t = (repeat ? setInterval : setTimeout)(() => {
      if (!repeat) timers.delete(id);
      fn();
    }, ms);
    timers.set(id, t);
    return id;
  };
  const clearTimer = (id: number) => {
    clearTimeout(timers.get(id));
    timers.delete(id);
  };

  // What Python sees as the `js` module: harmless constructors, timers for asyncio, and the
  // policy-checked fetch. No process, require, fs, globalThis or raw network.
  const jsglobals = {
    Object, Array, Map, Set, WeakRef, Promise, Error, TypeError, RangeError, Symbol, JSON, Math, Date,
    Uint8Array, Int32Array, Float64Array, ArrayBuffer, DataView, TextEncoder, TextDecoder, URL,
    Request, Response, Headers, AbortController, AbortSignal,
    setTimeout: addTimer(false), clearTimeout: clearTimer, setInterval: addTimer(true), clearInterval: clearTimer, queueMicrotask,
    fetch: bridgeFetch,
  };

  const t0 = performance.now();
  const { loadPyodide } = (await import(init.pyodideModuleUrl)) as { loadPyodide: (opts: object) => Promise<PyodideApi> };
  const packageDir = init.packageDir;
  const pyodide = await loadPyodide({
    indexURL: init.indexDir,
    // Packages come only from the local distribution (or nowhere): packageBaseUrl is also
    // what Pyodide would otherwise replace with its CDN, so it must always be local.
    packageBaseUrl: packageDir ?? init.indexDir,
    packageCacheDir: packageDir ?? init.indexDir,
    ...(packageDir ? { lockFileURL: `${packageDir}pyodide-lock.json` } : {}),
    env: { HOME: '/home/pyodide', MPLBACKEND: 'Agg' },
    jsglobals,
    stdout: () => undefined,
    stderr: () => undefined,
  });
  const loadMs = performance.now() - t0;

  pyodide.setStdout({ write: (buf: Uint8Array) => (current?.stdout.write(buf), buf.byteLength) });
  pyodide.setStderr({ write: (buf: Uint8Array) => (current?.stderr.write(buf), buf.byteLength) });

  const importNames = (pyodide._api as { _import_name_to_package_name?: Map<string, string> })._import_name_to_package_name;
  pyodide.registerJsModule('_vr_bridge', {
    http_sync: httpSync,
    max_images: init.caps.maxImages,
    image_bytes: init.caps.imageBytes,
    is_known_package: (name: string) => importNames?.has(name) ?? false,
    missing_package_hint: (name: string) => missingPackageHint(importNames?.get(name) ?? name, init.pyodideVersion, init.packageDir),
  });
  const preludeGlobals = pyodide.globals.get('dict')();
  pyodide.runPython(PYTHON_PRELUDE, { globals: preludeGlobals });
  const vrRun = preludeGlobals.get('_vr_run') as (code: string) => Promise<string>;

  if (!init.skipJsHardening) {
    const safe = minimalPyodideJs(pyodide);
    pyodide.unregisterJsModule('pyodide_js');
    pyodide.registerJsModule('pyodide_js', safe);
    pyodide.runPython(PURGE_PYODIDE_JS, { globals: pyodide.globals.get('dict')() });
    fencePyodide(pyodide, [init.indexDir, ...(packageDir ? [packageDir] : [])]);
    lockStackTraceHooks();
    stripGlobals();
  }
  capFileSystem(pyodide.FS, init.files);
  send({ type: 'ready', loadMs, codegenBlocked: codegenBlocked() });

  proc.on('message', (msg: ToRuntime) => {
    if (msg.type === 'http-response') {
      pendingHttp.get(msg.reqId)?.(msg.response);
      pendingHttp.delete(msg.reqId);
      return;
    }
    if (msg.type !== 'exec') return;
    const started = performance.now();
    current = {
      stdout: new OutputCollector(init.caps.textBytes),
      stderr: new OutputCollector(init.caps.textBytes),
      deadline: Date.now() + msg.timeoutMs,
    };
    const call = current;
    void (async () => {
      if (packageDir) {
        // Only the local distribution is consulted; a missing wheel surfaces as an import error.
        await pyodide
          .loadPackagesFromImports(msg.code, { messageCallback: () => undefined, errorCallback: (m: string) => call.stderr.write(new TextEncoder().encode(`${m}\n`)) })
          .catch(() => undefined);
      }
      const raw = JSON.parse(await vrRun(msg.code)) as {
        status: ExecResult['status'];
        result: string | null;
        error: string | null;
        images: string[];
        notes: string[];
      };
      for (const note of raw.notes) call.stderr.write(new TextEncoder().encode(`${note}\n`));
      const result: ExecResult = {
        status: raw.status,
        stdout: call.stdout.text(),
        stderr: call.stderr.text(),
        result: raw.result === null ? null : capText(raw.result, init.caps.textBytes),
        execution_time_ms: Math.round(performance.now() - started),
      };
      if (raw.error !== null) result.error = capText(raw.error, init.caps.textBytes);
      if (raw.images.length > 0) result.images = raw.images.map((b64) => ({ type: 'image', url: `data:image/png;base64,${b64}` }));
      current = undefined;
      send({ type: 'result', id: msg.id, result });
    })().catch((err: unknown) => {
      // Something broke outside user code: the runtime is not trustworthy any more.
      send({ type: 'fatal', error: err instanceof Error ? err.message : String(err) });
    });
  });
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

proc.once('message', (msg: ToRuntime) => {
  if (msg.type !== 'init') return;
  start(msg.init).catch((err: unknown) => {
    send({ type: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
// An error nothing caught (e.g. a refused host read deep in a loader's callback): report it,
// then die; the helper replaces the runtime.
proc.on('uncaughtException', (err) => {
  send({ type: 'fatal', error: err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}` : String(err) });
  setTimeout(() => proc.exit(1), 50);
});
// The helper going away closes the channel: nothing else keeps this runtime meaningful.
proc.on('disconnect', () => proc.exit(0));
