// Messages between the helper (parent) and one runtime child process. Async messages travel
// over the Node IPC channel (advanced serialization, so byte arrays pass as they are); the
// synchronous HTTP bridge used by urllib has its own pipe (see sync-pipe.ts).
import type { BridgeHttpRequest, BridgeHttpResponse } from '../egress-fetch.js';

export interface OutputCaps {
  /** Max bytes kept of stdout, of stderr and of the result repr (each). */
  textBytes: number;
  maxImages: number;
  /** Max size of one PNG (raw bytes, before base64). */
  imageBytes: number;
}

/** Limits on what Python may write into its in-memory file system (per container). */
export interface FileCaps {
  /** Total bytes of regular files under the writable roots. */
  totalBytes: number;
  /** Number of files and directories created. */
  count: number;
}

export interface RuntimeInit {
  /** file:// URL of pyodide.mjs, imported by URL (bare specifiers would read node_modules). */
  pyodideModuleUrl: string;
  /** Directory of the `pyodide` npm package (core runtime + stdlib), with trailing slash. */
  indexDir: string;
  /** Full Pyodide distribution directory (VR_PYODIDE_CACHE_DIR), with trailing slash. */
  packageDir: string | undefined;
  /** Version of the npm package, for the "how to install packages" hint. */
  pyodideVersion: string;
  /** Cap on the WebAssembly heap; a runaway allocation gets MemoryError first. */
  wasmMemoryLimitBytes: number;
  caps: OutputCaps;
  files: FileCaps;
  /** Test-only: leave the in-process JS hardening off, to prove the OS layers hold alone. */
  skipJsHardening?: boolean;
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

export type ToRuntime =
  | { type: 'init'; init: RuntimeInit }
  | { type: 'exec'; id: number; code: string; timeoutMs: number }
  | { type: 'http-response'; reqId: number; response: BridgeHttpResponse };

export type FromRuntime =
  | { type: 'ready'; loadMs: number; codegenBlocked: boolean }
  | { type: 'result'; id: number; result: ExecResult }
  | { type: 'http'; reqId: number; request: BridgeHttpRequest; timeoutMs: number }
  | { type: 'fatal'; error: string };
