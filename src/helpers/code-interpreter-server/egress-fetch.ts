// Performs HTTP(S) requests on behalf of sandboxed Python, on the main thread, after the
// egress policy allowed them. Python never gets a socket of its own: the runtime worker has
// no network primitives, only a bridge to this function.
import { isIP } from 'node:net';
import { fetch } from 'undici';
import { pinnedAgent } from '../../net/pinned-lookup.js';
import type { EgressChecker } from './egress-check.js';

export interface BridgeHttpRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body?: Uint8Array | undefined;
}

export type BridgeHttpResponse =
  | { ok: true; status: number; statusText: string; url: string; headers: [string, string][]; body: Uint8Array }
  | { ok: false; error: string };

export interface EgressFetchOptions {
  maxBodyBytes?: number;
  maxRedirects?: number;
}

const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

export type EgressFetch = (req: BridgeHttpRequest, timeoutMs: number) => Promise<BridgeHttpResponse>;

export function createEgressFetch(checker: EgressChecker, options: EgressFetchOptions = {}): { fetch: EgressFetch; close(): Promise<void> } {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const maxRedirects = options.maxRedirects ?? 5;

  // Every connection resolves through the shared pinning lookup, so the address actually
  // dialled is the one that was checked (no time-of-check/time-of-use gap with a second DNS query).
  const agent = pinnedAgent((hostname, address) => {
    const decision = checker.checkAddress(hostname, address);
    return decision.allowed ? null : new EgressBlockedError(decision.reason);
  });

  const run: EgressFetch = async (req, timeoutMs) => {
    const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { ok: false, error: `invalid URL: ${req.url}` };
    }
    let method = req.method.toUpperCase();
    let body = req.body;
    try {
      for (let hop = 0; ; hop++) {
        const blocked = preflight(checker, url);
        if (blocked) return { ok: false, error: `egress blocked: ${blocked}` };
        const res = await fetch(url, {
          method,
          headers: req.headers,
          body: body && method !== 'GET' && method !== 'HEAD' ? body : undefined,
          redirect: 'manual',
          signal,
          dispatcher: agent,
        });
        const location = res.headers.get('location');
        if (res.status >= 300 && res.status < 400 && location) {
          await res.body?.cancel();
          if (hop >= maxRedirects) return { ok: false, error: `too many redirects (>${maxRedirects})` };
          url = new URL(location, url);
          if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
            method = 'GET';
            body = undefined;
          }
          continue;
        }
        const bytes = await readCapped(res.body, maxBody);
        if (bytes === undefined) return { ok: false, error: `response body exceeds ${maxBody} bytes` };
        return { ok: true, status: res.status, statusText: res.statusText, url: url.href, headers: [...res.headers], body: bytes };
      }
    } catch (err) {
      return { ok: false, error: describeFetchError(err, signal) };
    }
  };
  return { fetch: run, close: () => agent.close() };
}

export class EgressBlockedError extends Error {
  override name = 'EgressBlockedError';
}

/** URL-stage check, plus the address check for IP literals (which never hit DNS lookup). */
function preflight(checker: EgressChecker, url: URL): string | undefined {
  const decision = checker.checkUrl(url);
  if (!decision.allowed) return decision.reason;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const byAddress = checker.checkAddress(host, host);
    if (!byAddress.allowed) return byAddress.reason;
  }
  return undefined;
}

async function readCapped(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | undefined> {
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > max) {
      await stream.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function describeFetchError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'request timed out';
  // undici wraps connect errors in `cause`; the policy error is the useful one.
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    if (e instanceof EgressBlockedError) return `egress blocked: ${e.message}`;
    e = (e as Error & { cause?: unknown }).cause;
  }
  const base = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `request failed: ${base}${cause}`;
}
