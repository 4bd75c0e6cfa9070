import { readBooleanEnv } from '../../observability/env-flags.js';

/**
 * Where each web_search profile sends its requests, and the limits of page fetching. Every
 * endpoint is overridable by environment so tests (and operators with a mirror or proxy) can
 * point it elsewhere; read once in the composition root.
 */
export interface WebSearchSettings {
  /** DuckDuckGo's HTML search endpoint (`VR_WEB_SEARCH_DDG_URL`). */
  ddgUrl: string;
  /** Exa's hosted MCP server (`VR_WEB_SEARCH_EXA_MCP_URL`). */
  exaMcpUrl: string;
  /** `EXA_API_KEY`: appended to the Exa URL as `exaApiKey`; never logged. */
  exaApiKey: string | null;
  /** `VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS`: let page fetches reach 127.0.0.0/8 and ::1. */
  allowLoopback: boolean;
  /** `VR_WEB_SEARCH_TIMEOUT_SEC` (15): one search or page fetch, redirects included. */
  timeoutMs: number;
  /** `VR_WEB_SEARCH_MAX_PAGE_BYTES` (2 MiB): bytes of a page read before the rest is dropped. */
  maxPageBytes: number;
}

export const DEFAULT_DDG_URL = 'https://html.duckduckgo.com/html/';
export const DEFAULT_EXA_MCP_URL = 'https://mcp.exa.ai/mcp';

function httpUrl(name: string, value: string | undefined, fallback: string): string {
  const raw = value?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got '${raw}'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got '${raw}'.`);
  return raw;
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${value}'.`);
  return n;
}

export function readWebSearchSettings(env: NodeJS.ProcessEnv): WebSearchSettings {
  return {
    ddgUrl: httpUrl('VR_WEB_SEARCH_DDG_URL', env.VR_WEB_SEARCH_DDG_URL, DEFAULT_DDG_URL),
    exaMcpUrl: httpUrl('VR_WEB_SEARCH_EXA_MCP_URL', env.VR_WEB_SEARCH_EXA_MCP_URL, DEFAULT_EXA_MCP_URL),
    exaApiKey: env.EXA_API_KEY?.trim() || null,
    allowLoopback: readBooleanEnv('VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS', env.VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS, false),
    timeoutMs: positiveNumber('VR_WEB_SEARCH_TIMEOUT_SEC', env.VR_WEB_SEARCH_TIMEOUT_SEC, 15) * 1000,
    maxPageBytes: Math.floor(positiveNumber('VR_WEB_SEARCH_MAX_PAGE_BYTES', env.VR_WEB_SEARCH_MAX_PAGE_BYTES, 2 * 1024 * 1024)),
  };
}
