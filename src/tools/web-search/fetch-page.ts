import { isIP } from 'node:net';
import { request } from 'undici';
import { pinnedAgent, type AddressCheck } from '../../net/pinned-lookup.js';
import { blockedAddressReason, type AddressPolicy } from './address-policy.js';
import { WebSearchError } from './backend.js';

/**
 * Fetch a page the model asked for, without letting it reach the gateway's own network.
 * Every connection resolves its host through the shared pinning lookup (`net/pinned-lookup.ts`),
 * which refuses the connection when ANY resolved address is not public, and connects to the
 * address that was checked (so a second, different DNS answer cannot slip in). IP-literal hosts never reach DNS, so they are
 * checked before each request; redirects are followed by hand so every hop is checked again.
 */

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
}

export interface FetchedPage {
  url: string;
  contentType: string;
  body: string;
  truncated: boolean;
}

export interface HopResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array>;
  /** Drop the rest of the body (redirects, errors, past the size cap) without failing. */
  discard(): void;
}

/** One HTTP GET without following redirects. */
export type Hop = (url: URL, signal: AbortSignal) => Promise<HopResponse>;

export class BlockedAddressError extends WebSearchError {}

/** The web_search page policy as a connect-time check for the shared pinning lookup. */
export function pageAddressCheck(policy: AddressPolicy): AddressCheck {
  return (hostname, address) => {
    const reason = blockedAddressReason(address, policy);
    return reason ? new BlockedAddressError(`${hostname} resolves to ${address} (${reason})`) : null;
  };
}

/** Only http(s), and IP-literal hosts are checked here because they bypass the DNS guard. */
export function checkTarget(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BlockedAddressError(`only http and https URLs can be opened, not ${url.protocol}`);
  if (url.username || url.password) throw new BlockedAddressError('URLs with credentials are not opened');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const reason = blockedAddressReason(host, policy);
    if (reason) throw new BlockedAddressError(`${host} is a ${reason}`);
  }
}

/**
 * The production hop: undici through one agent (per tool, for its policy) whose connections
 * use the shared pinning lookup. `close` releases its connections at shutdown.
 */
export function guardedHop(policy: AddressPolicy): Hop & { close(): Promise<void> } {
  const agent = pinnedAgent(pageAddressCheck(policy));
  const hop: Hop = async (url, signal) => {
    const res = await request(url, {
      dispatcher: agent,
      method: 'GET',
      signal,
      headers: {
        'user-agent': 'Mozilla/5.0 (compatible; vllm-responses web_search)',
        accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5',
        'accept-language': 'en;q=0.9, *;q=0.5',
      },
    });
    // dump() reads a little then closes the connection: destroy() would raise an unhandled AbortError.
    return { status: res.statusCode, headers: res.headers, body: res.body, discard: () => void res.body.dump({ limit: 64 * 1024 }).catch(() => {}) };
  };
  return Object.assign(hop, { close: () => agent.close() });
}

function header(h: HopResponse['headers'], name: string): string {
  const v = h[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** Read at most `maxBytes` of a body, then drop the rest of it. */
async function readCapped(res: HopResponse, maxBytes: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const buf = Buffer.from(chunk);
    if (size + buf.length >= maxBytes) {
      parts.push(buf.subarray(0, maxBytes - size));
      res.discard();
      return { bytes: Buffer.concat(parts), truncated: true };
    }
    parts.push(buf);
    size += buf.length;
  }
  return { bytes: Buffer.concat(parts), truncated: false };
}

function decode(bytes: Buffer, contentType: string): string {
  const charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

const TEXTUAL = /^(text\/|application\/(xhtml\+xml|xml|json|ld\+json|rss\+xml|atom\+xml))/i;

/** The innermost blocked-address error in a chain of causes (undici wraps socket errors). */
function blockedCause(err: unknown): BlockedAddressError | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof BlockedAddressError) return e;
  }
  return null;
}

export async function fetchPage(rawUrl: string, deps: { policy: AddressPolicy; hop: Hop; limits: FetchLimits; signal: AbortSignal }): Promise<FetchedPage> {
  const { policy, hop, limits } = deps;
  const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(limits.timeoutMs)]);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new WebSearchError(`not a valid URL: ${rawUrl}`);
  }
  for (let hops = 0; ; hops++) {
    let res: HopResponse;
    try {
      checkTarget(url, policy);
      res = await hop(url, signal);
    } catch (err) {
      const blocked = blockedCause(err);
      if (blocked) throw new BlockedAddressError(`refused to open ${url.toString()}: ${blocked.message}; web_search only opens public addresses`);
      if (deps.signal.aborted) throw err;
      if (signal.aborted) throw new WebSearchError(`timed out opening ${url.toString()} after ${limits.timeoutMs / 1000}s`);
      throw new WebSearchError(`could not open ${url.toString()}: ${(err as Error).message}`);
    }
    if (res.status >= 300 && res.status < 400 && header(res.headers, 'location')) {
      res.discard();
      if (hops >= limits.maxRedirects) throw new WebSearchError(`too many redirects opening ${rawUrl}`);
      url = new URL(header(res.headers, 'location'), url);
      continue;
    }
    const contentType = header(res.headers, 'content-type') || 'text/html';
    if (res.status >= 400) {
      res.discard();
      throw new WebSearchError(`${url.toString()} answered HTTP ${res.status}`);
    }
    if (!TEXTUAL.test(contentType)) {
      res.discard();
      throw new WebSearchError(`${url.toString()} is ${contentType.split(';')[0]}, not a text page`);
    }
    let read: { bytes: Buffer; truncated: boolean };
    try {
      read = await readCapped(res, limits.maxBytes);
    } catch (err) {
      if (deps.signal.aborted) throw err;
      throw new WebSearchError(`reading ${url.toString()} failed: ${signal.aborted ? `timed out after ${limits.timeoutMs / 1000}s` : (err as Error).message}`);
    }
    const { bytes, truncated } = read;
    return { url: url.toString(), contentType, body: decode(bytes, contentType), truncated };
  }
}
