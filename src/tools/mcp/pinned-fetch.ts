/**
 * The fetch remote MCP sessions use when URL checks are on. The check before the run resolves
 * the server's name once; a name that resolves differently at connect time (DNS rebinding) would
 * slip past it. This fetch re-checks every address at the moment each connection is made and
 * connects only to the address it checked.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPrivateAddress } from './remote-url-check.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `net.connect` lookup that refuses hosts with any non-public address. */
export function publicOnlyLookup(hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void {
  const family = options.family === 'IPv6' ? 6 : options.family === 'IPv4' ? 4 : Number(options.family ?? 0);
  dnsLookup(hostname, { all: true, family: family === 4 || family === 6 ? family : 0 }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    const first = addresses[0];
    if (refused || !first) {
      const e: NodeJS.ErrnoException = new Error(`MCP server ${hostname} resolves to a non-public address${refused ? ` (${refused.address})` : ''}`);
      e.code = 'EADDRNOTPUBLIC';
      return callback(e, []);
    }
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
}

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A fetch whose every connection goes through `publicOnlyLookup` (one pool per remote server). */
export function pinnedFetch(): FetchLike {
  const agent = new Agent({ connect: { lookup: publicOnlyLookup as never }, keepAliveTimeout: 4_000 });
  return (url, init) => undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;
}
