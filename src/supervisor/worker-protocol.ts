/**
 * Supervisor ⇄ gateway worker messages over the cluster IPC channel, namespaced so they coexist
 * with the metrics protocol on the same channel.
 */
import type { ServeOptions } from '../config/serve-options.js';

/** What a worker needs beyond the environment it inherits: topology and the helpers' URLs. */
export interface WorkerConfig {
  serve: ServeOptions;
  codeInterpreterUrl: string | null;
  /** The code interpreter helper's per-start token (helpers/helper-token.ts). */
  codeInterpreterToken?: string;
  /** The built-in MCP runtime's URL; null when `--mcp-config` is not set. */
  mcpRuntimeUrl: string | null;
  /** The MCP runtime's per-start token. */
  mcpRuntimeToken?: string;
  /** How long a draining worker lets in-flight requests finish. */
  shutdownTimeoutMs: number;
}

/** The environment variable carrying the JSON `WorkerConfig` to each forked worker. */
export const WORKER_CONFIG_ENV = 'VR_INTERNAL_WORKER_CONFIG';

export const WORKER_READY = 'vllm-responses:worker:ready';
export const WORKER_FAILED = 'vllm-responses:worker:failed';
export const WORKER_SHUTDOWN = 'vllm-responses:worker:shutdown';

export type WorkerMessage = { type: typeof WORKER_READY } | { type: typeof WORKER_FAILED; error: string };

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === WORKER_READY || type === WORKER_FAILED;
}

export function isShutdownMessage(message: unknown): boolean {
  return (message as { type?: unknown } | null)?.type === WORKER_SHUTDOWN;
}
