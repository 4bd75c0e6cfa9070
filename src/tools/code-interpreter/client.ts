// HTTP client for the code-interpreter helper (PRODUCT.md §7), used by gateway workers.
import { Agent, request } from 'undici';
import type { ExecResult } from '../../helpers/code-interpreter-server/runtime/protocol.js';

/** `POST /python`'s answer: the helper's own result type is the wire contract. */
export type CodeInterpreterResult = ExecResult;

export interface CodeInterpreterHealth {
  status: 'healthy' | 'degraded' | 'unhealthy';
  pyodide_loaded: boolean;
  uptime_seconds: number;
  execution_count: number;
  ready_worker_count?: number;
  configured_worker_count?: number;
}

export interface CodeInterpreterClient {
  execute(code: string, options?: { signal?: AbortSignal }): Promise<CodeInterpreterResult>;
  health(options?: { signal?: AbortSignal }): Promise<CodeInterpreterHealth>;
  close(): Promise<void>;
}

export class CodeInterpreterUnavailableError extends Error {
  override name = 'CodeInterpreterUnavailableError';
}

export function createCodeInterpreterClient(baseUrl: string): CodeInterpreterClient {
  const base = baseUrl.replace(/\/+$/, '');
  // Pooled keep-alive connections; no body/header timeouts because the helper enforces the
  // execution timeout itself and callers abort through their signal.
  const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

  async function call<T>(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let res;
    try {
      res = await request(`${base}${path}`, {
        method,
        dispatcher: agent,
        ...(signal ? { signal } : {}),
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new CodeInterpreterUnavailableError(`code interpreter helper at ${base} is unreachable: ${(err as Error).message}`);
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CodeInterpreterUnavailableError(`code interpreter helper answered ${method} ${path} with HTTP ${res.statusCode} and a non-JSON body`);
    }
    if (res.statusCode !== 200 && !(path === '/health' && res.statusCode === 503)) {
      const message = (json as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
      throw new CodeInterpreterUnavailableError(`code interpreter helper answered ${method} ${path} with HTTP ${res.statusCode}: ${message}`);
    }
    return json as T;
  }

  return {
    execute: (code, options) => call<CodeInterpreterResult>('POST', '/python', { code }, options?.signal),
    health: (options) => call<CodeInterpreterHealth>('GET', '/health', undefined, options?.signal),
    close: () => agent.close(),
  };
}
