import type { Readable } from 'node:stream';
import { buildConnector, Pool } from 'undici';
import type { CancelSignal } from '../cancellation/cancellation.js';
import { forwardableHeaders } from '../net/hop-by-hop.js';
import { UpstreamExchange } from './exchange.js';
import { mapTransportError } from './map-transport-error.js';
import { mapUpstreamHttpError } from './map-upstream-http-error.js';

export interface UpstreamClientOptions {
  /** The upstream API base, with or without the `/v1` suffix (`http://h:8000` ≡ `http://h:8000/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` (the `VR_OPENAI_API_KEY` value). */
  apiKey?: string | null;
  /** TCP/TLS connect timeout. */
  connectTimeoutMs?: number;
  /** From sending a request until the first byte of its body (headers included). */
  firstByteTimeoutMs?: number;
  /** Longest silence allowed between two body chunks once the body has begun. */
  idleTimeoutMs?: number;
  /** One request from start to its body's end, however slowly it trickles. */
  totalTimeoutMs?: number;
  /** Bytes one response body may carry. */
  maxOutputBytes?: number;
  /**
   * Speak HTTP/2 to the upstream (`VR_UPSTREAM_HTTP2`): cleartext h2 with prior knowledge for
   * `http://`, ALPN for `https://`. Up to H2_STREAMS_PER_CONNECTION concurrent requests share one
   * connection, so thousands of open streams need tens of upstream sockets instead of thousands.
   * vLLM itself speaks HTTP/1.1; this is for upstreams (or proxies in front of them) that speak h2.
   */
  http2?: boolean;
}

/** Per-request overrides of the client's deadlines. */
export interface RequestDeadlines {
  firstByteTimeoutMs?: number;
  idleTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxOutputBytes?: number;
}

export interface UpstreamRequestOptions {
  body?: string | Uint8Array | Readable | null;
  headers?: Record<string, string>;
  /** An AbortSignal, or the gateway's own `Cancellation` (no EventTarget on the request path). */
  signal?: CancelSignal;
  /** E.g. a proxied non-streaming completion only sends its first byte when it is done. */
  deadlines?: RequestDeadlines;
  /** `path` is relative to the server root beside the API base (vLLM's `/tokenize`), not to `/v1`. */
  outsideApiBase?: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body, unread. Consume it or `destroy()` it, otherwise the pooled connection leaks. */
  body: Readable;
}

export interface UpstreamClient {
  /** Normalised base URL, always ending in `/v1` (no trailing slash). */
  readonly baseUrl: string;
  /**
   * Low-level request relative to the base URL (`path` like `/chat/completions`, may carry a
   * query string). Resolves as soon as headers arrive, for any status. Transport failures reject
   * with ApiError 502/504; the caller's abort rejects with the abort reason.
   */
  request(method: string, path: string, options?: UpstreamRequestOptions): Promise<UpstreamResponse>;
  /** `GET {base}/models` parsed as JSON; non-2xx → ApiError keeping the upstream status. */
  getModels(signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

// Defaults match config/limits.ts (the gateway always passes its configured values).
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 300_000;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 1_200_000;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Concurrent requests on one HTTP/2 upstream connection (fewer if the server's SETTINGS say so). */
export const H2_STREAMS_PER_CONNECTION = 100;

export function normalizeBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TypeError(`Invalid upstream URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Upstream URL must be http or https: ${raw}`);
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/v1')) path = `${path}/v1`;
  url.pathname = path;
  url.search = '';
  url.hash = '';
  return url;
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const base = normalizeBaseUrl(options.baseUrl);
  const basePath = base.pathname;
  const baseUrl = `${base.origin}${basePath}`;
  // One pool per upstream origin: keep-alive connections are reused across requests, and the
  // pool size is unbounded so that many concurrent streams never queue behind each other.
  // Header and body deadlines are enforced per request below (first byte, idle, total).
  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // `useH2c` (h2 with prior knowledge on a plain socket) is read by undici's connector
  // (lib/core/connect.js) but missing from its type declarations.
  const h2Connector: buildConnector.BuildOptions & { useH2c: boolean } = { timeout: connectTimeout, allowH2: true, useH2c: base.protocol === 'http:' };
  const pool = new Pool(
    base.origin,
    options.http2
      ? {
          // Pool does not pass `useH2c` on to its connector: build the connector ourselves.
          connect: buildConnector(h2Connector),
          allowH2: true,
          pipelining: H2_STREAMS_PER_CONNECTION,
          maxConcurrentStreams: H2_STREAMS_PER_CONNECTION,
          headersTimeout: 0,
          bodyTimeout: 0,
        }
      : { connect: { timeout: connectTimeout }, headersTimeout: 0, bodyTimeout: 0 },
  );
  const defaults: Required<RequestDeadlines> = {
    firstByteTimeoutMs: options.firstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    totalTimeoutMs: options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  };
  const authHeader = options.apiKey ? `Bearer ${options.apiKey}` : null;
  const http2 = options.http2 === true;

  async function request(method: string, path: string, opts: UpstreamRequestOptions = {}): Promise<UpstreamResponse> {
    const headers = sanitizeHeaders(opts.headers, opts.body);
    if (authHeader) {
      // Our key replaces whatever the client sent: the upstream trusts the gateway, not callers.
      for (const key of Object.keys(headers)) if (key.toLowerCase() === 'authorization') delete headers[key];
      headers.authorization = authHeader;
    }
    const d: Required<RequestDeadlines> = { ...defaults, ...opts.deadlines };
    // Node timers overflow above 2^31-1 ms (they would fire at once); nothing waits past the total.
    d.totalTimeoutMs = Math.min(d.totalTimeoutMs, MAX_TIMER_MS);
    d.firstByteTimeoutMs = Math.min(d.firstByteTimeoutMs, d.totalTimeoutMs);
    d.idleTimeoutMs = Math.min(d.idleTimeoutMs, d.totalTimeoutMs);
    const path_ = `${opts.outsideApiBase ? basePath.slice(0, -'/v1'.length) : basePath}${path.startsWith('/') ? path : `/${path}`}`;
    const body = opts.body ?? null;
    return new Promise<UpstreamResponse>((resolve, reject) => {
      // The exchange watches the deadlines and the byte cap from now on and is the body stream.
      const exchange = new UpstreamExchange(d, opts.signal, body, { resolve, reject });
      // Over HTTP/2, undici sends a request it deems non-idempotent (any POST) only on a connection
      // with nothing else in flight, i.e. one connection per open stream again. Declared
      // idempotent, POSTs share connections; undici never re-sends a request on its own, and a
      // connection that fails fails each of its requests (a 502, as over HTTP/1.1).
      pool.dispatch({ method: method.toUpperCase() as 'GET', path: path_, headers, body, ...(http2 ? { idempotent: true } : {}) }, exchange);
    });
  }

  async function getModels(signal?: AbortSignal): Promise<unknown> {
    const res = await request('GET', '/models', { headers: { accept: 'application/json' }, signal });
    const text = await readBodyText(res.body, MAX_ERROR_BODY_BYTES * 16, signal);
    if (res.status < 200 || res.status >= 300) throw mapUpstreamHttpError(res.status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw mapUpstreamHttpError(502, `Upstream /models answered with invalid JSON: ${text.slice(0, 200)}`);
    }
  }

  return { baseUrl, request, getModels, close: () => pool.close() };
}

/**
 * Reads a (small) body as text, up to `limit` bytes; the rest is discarded. Used for error
 * bodies and small JSON answers; transport failures while reading map like any other.
 */
export async function readBodyText(body: Readable, limit = MAX_ERROR_BODY_BYTES, signal?: CancelSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size < limit) chunks.push(buf.subarray(0, limit - size));
      size += buf.length;
    }
  } catch (err) {
    throw mapTransportError(err, signal);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Passthrough callers can hand us the client's headers: what belongs to the client's connection
// (`net/hop-by-hop.ts`) never reaches the upstream, and undici refuses some of it outright.
// A string/bytes body gets its length computed by undici; a stale client content-length (e.g.
// after the body was re-serialised) would make undici reject the request.
const RECOMPUTED_LENGTH: ReadonlySet<string> = new Set(['content-length']);

function sanitizeHeaders(input: Record<string, string> | undefined, body: UpstreamRequestOptions['body']): Record<string, string> {
  const dropLength = typeof body === 'string' || body instanceof Uint8Array;
  return forwardableHeaders(input ?? {}, { direction: 'request', drop: dropLength ? RECOMPUTED_LENGTH : undefined });
}
