/**
 * The one DNS-pinning lookup. Given to undici as `connect.lookup`, it resolves every address of
 * a host at the moment a connection is made, refuses the connection when the check refuses ANY
 * of them, and hands back only addresses it checked — so the address dialled is the address
 * checked, and a second, different DNS answer (rebinding) cannot slip in between. IP-literal
 * hosts never reach a lookup: callers check those before each request.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';

/** An Error (whose message says why) when the connection to `address` must be refused, else null. */
export type AddressCheck = (hostname: string, address: string) => Error | null;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function pinnedLookup(check: AddressCheck): LookupFunction {
  const lookup = (hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void => {
    const family = options.family === 'IPv6' ? 6 : options.family === 'IPv4' ? 4 : Number(options.family ?? 0);
    dnsLookup(hostname, { all: true, family: family === 4 || family === 6 ? family : 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} did not resolve to any address`), { code: 'ENOTFOUND' }), []);
      for (const a of addresses) {
        const refused = check(hostname, a.address);
        if (refused) return callback(refused, []);
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
  return lookup as unknown as LookupFunction;
}

/**
 * An undici Agent whose every connection goes through `pinnedLookup(check)`: one per
 * destination policy, created once by its owner, reused by every request, closed at shutdown.
 */
export function pinnedAgent(check: AddressCheck, options: Omit<Agent.Options, 'connect'> = {}): Agent {
  return new Agent({ keepAliveTimeout: 4_000, ...options, connect: { lookup: pinnedLookup(check) } });
}
