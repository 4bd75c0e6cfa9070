// HTTP client for the code-interpreter helper (its HTTP API is in the README, "Code interpreter"), used by gateway
// workers. The helper is another process: its answers are checked against this client's own
// schemas of the HTTP contract rather than typed from the helper's internals.
import { Agent, request } from 'undici';
import { z } from 'zod';

/** `POST /python`'s answer. Loose: fields a newer helper adds pass through. */
const resultSchema = z.looseObject({
  status: z.enum(['success', 'exception', 'error']),
  stdout: z.string(),
  stderr: z.string(),
  result: z.string().nullable(),
  error: z.string().optional(),
  execution_time_ms: z.number(),
  images: z.array(z.looseObject({ type: z.literal('image'), url: z.string() })).optional(),
});
export type CodeInterpreterResult = z.infer<typeof resultSchema>;

/** `GET /health`'s answer (HTTP 200, or 503 when no runtime is ready). */
const healthSchema = z.looseObject({
  status: z.enum(['healthy', 'degraded', 'unhealthy']),
  pyodide_loaded: z.boolean(),
  uptime_seconds: z.number(),
  execution_count: z.number(),
  ready_worker_count: z.number().optional(),
  configured_worker_count: z.number().optional(),
});
export type CodeInterpreterHealth = z.infer<typeof healthSchema>;

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

  async function call<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
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
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CodeInterpreterUnavailableError(`code interpreter helper answered ${method} ${path} with an unexpected body: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  return {
    execute: (code, options) => call('POST', '/python', { code }, resultSchema, options?.signal),
    health: (options) => call('GET', '/health', undefined, healthSchema, options?.signal),
    close: () => agent.close(),
  };
}
