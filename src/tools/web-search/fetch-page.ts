import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { blockedAddressReason, type AddressPolicy } from './address-policy.js';
import { WebSearchError } from './backend.js';

/**
 * Fetch a page the model asked for, without letting it reach the gateway's own network.
 * Every connection resolves its host through a guarded DNS lookup that refuses the connection
 * when ANY resolved address is not public, and connects to the address that was checked (so a
 * second, different DNS answer cannot slip in). IP-literal hosts never reach DNS, so they are
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

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that resolves every address of a host and refuses non-public ones. */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void => {
    const family = options.family === 'IPv6' ? 6 : options.family === 'IPv4' ? 4 : Number(options.family ?? 0);
    dnsLookup(hostname, { all: true, family: family === 4 || family === 6 ? family : 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const first = addresses[0];
      if (!first) return callback(new WebSearchError(`${hostname} did not resolve to any address`), []);
      for (const a of addresses) {
        const reason = blockedAddressReason(a.address, policy);
        if (reason) return callback(new BlockedAddressError(`${hostname} resolves to ${a.address} (${reason})`), []);
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
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

/** The production hop: undici through an agent whose connections use the guarded lookup. */
export function guardedHop(policy: AddressPolicy): Hop {
  const agent = new Agent({ connect: { lookup: guardedLookup(policy) as never }, keepAliveTimeout: 4_000 });
  return async (url, signal) => {
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
