import { readBooleanEnv } from '../observability/env-flags.js';

/**
 * Deployment settings that live in `VR_*` environment variables (README, "Environment"), read once at
 * start-up into a typed object. CLI flags own topology; these own storage, auth and the like.
 */
export interface EnvSettings {
  upstreamApiKey: string | null;
  /** `VR_UPSTREAM_HTTP2` (default off): HTTP/2 to the upstream (h2c for http://), many streams per connection. */
  upstreamHttp2?: boolean;
  /** Client API keys; empty = no auth. */
  apiKeys: string[];
  reasoningEvents: 'openai' | 'openresponses';
  metricsEnabled: boolean;
  metricsPath: string;
  /**
   * `VR_SSE_KEEPALIVE_SEC` (default 10, 0 = off): a stream idle this long (a gateway tool or the
   * model is busy) gets an SSE comment so proxies with idle timeouts keep the connection.
   */
  sseKeepAliveSeconds?: number;
  /**
   * `VR_UNAVAILABLE_BUILTIN_TOOLS` (`omit` default | `reject`): what a request declaring a
   * built-in tool this gateway does not run (e.g. `web_search` without a profile) gets.
   */
  unavailableBuiltinTools?: 'omit' | 'reject';
}

export const DEFAULT_SSE_KEEPALIVE_SECONDS = 10;

function readUnavailableBuiltins(raw: string | undefined): 'omit' | 'reject' {
  const v = (raw ?? '').trim().toLowerCase();
  if (v === '' || v === 'omit') return 'omit';
  if (v === 'reject') return 'reject';
  throw new Error(`VR_UNAVAILABLE_BUILTIN_TOOLS must be 'omit' or 'reject', got '${raw}'.`);
}

function readSseKeepAlive(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_SSE_KEEPALIVE_SECONDS;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw new Error(`VR_SSE_KEEPALIVE_SEC must be a number of seconds between 0 (off) and 3600, got '${raw}'.`);
  return n;
}

export function readEnvSettings(env: NodeJS.ProcessEnv): EnvSettings {
  const reasoning = (env.VR_REASONING_EVENTS ?? 'openai').trim().toLowerCase();
  if (reasoning !== 'openai' && reasoning !== 'openresponses') {
    throw new Error(`VR_REASONING_EVENTS must be 'openai' or 'openresponses', got '${env.VR_REASONING_EVENTS}'.`);
  }
  const metricsPath = env.VR_METRICS_PATH?.trim() || '/metrics';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(metricsPath) || metricsPath === '/health') {
    throw new Error(`VR_METRICS_PATH must be an absolute path such as /metrics (not /health), got '${metricsPath}'.`);
  }
  return {
    upstreamApiKey: env.VR_OPENAI_API_KEY?.trim() || null,
    upstreamHttp2: readBooleanEnv('VR_UPSTREAM_HTTP2', env.VR_UPSTREAM_HTTP2, false),
    apiKeys: (env.VR_API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    reasoningEvents: reasoning,
    // A misspelt value (`VR_METRICS_ENABLED=flase`) fails at start-up rather than reading as "on".
    metricsEnabled: readBooleanEnv('VR_METRICS_ENABLED', env.VR_METRICS_ENABLED, true),
    metricsPath,
    sseKeepAliveSeconds: readSseKeepAlive(env.VR_SSE_KEEPALIVE_SEC),
    unavailableBuiltinTools: readUnavailableBuiltins(env.VR_UNAVAILABLE_BUILTIN_TOOLS),
  };
}
