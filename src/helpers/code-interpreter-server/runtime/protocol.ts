// Messages between the pool (main thread) and one Pyodide runtime worker thread.
import type { BridgeHttpRequest, BridgeHttpResponse } from '../egress-fetch.js';

export interface OutputCaps {
  /** Max bytes kept of stdout, of stderr and of the result repr (each). */
  textBytes: number;
  maxImages: number;
  /** Max size of one PNG (raw bytes, before base64). */
  imageBytes: number;
}

export interface RuntimeWorkerData {
  /** Directory of the `pyodide` npm package (core runtime + stdlib). */
  indexDir: string;
  /** Full Pyodide distribution directory (VR_PYODIDE_CACHE_DIR), if configured. */
  packageDir: string | undefined;
  /** Version of the npm package, for the "how to install packages" hint. */
  pyodideVersion: string;
  /** Shared Int32Array(1): writing 2 (SIGINT) raises KeyboardInterrupt in Python. */
  interruptBuffer: SharedArrayBuffer;
  /** Cap on the WebAssembly heap; a runaway allocation gets MemoryError, not an OOM kill. */
  wasmMemoryLimitBytes: number;
  caps: OutputCaps;
}

export interface ExecImage {
  type: 'image';
  url: string;
}

export interface ExecResult {
  status: 'success' | 'exception' | 'error';
  stdout: string;
  stderr: string;
  result: string | null;
  error?: string;
  execution_time_ms: number;
  images?: ExecImage[];
}

export type ToWorker =
  | { type: 'exec'; id: number; code: string; timeoutMs: number }
  | { type: 'http-response'; reqId: number; response: BridgeHttpResponse };

export type FromWorker =
  | { type: 'ready'; loadMs: number; codegenBlocked: boolean }
  | { type: 'result'; id: number; result: ExecResult; interrupted: boolean }
  /** `sync` present: the worker is blocked in Atomics.wait and wants the answer in that buffer. */
  | { type: 'http'; reqId: number; request: BridgeHttpRequest; timeoutMs: number; sync?: SharedArrayBuffer }
  | { type: 'fatal'; error: string };
