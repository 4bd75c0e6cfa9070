/**
 * SSRF guard for request-supplied MCP server URLs (`VR_MCP_REQUEST_REMOTE_URL_CHECKS`): https
 * only, no localhost names, no IP literals, and every address the name resolves to must be
 * public. Returns the reason a URL is refused, or null when it may be contacted.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isNonPublicAddress, nonPublicReason } from '../../net/classify-address.js';

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** True for private, loopback, link-local and other non-public addresses (IPv4-mapped IPv6 too). */
export const isPrivateAddress = isNonPublicAddress;

export async function remoteUrlProblem(raw: string, resolve: Resolver = systemResolver): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'server_url is not a valid URL';
  }
  if (url.protocol !== 'https:') return 'server_url must use https';
  if (url.username || url.password) return 'server_url must not contain credentials';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'server_url must not point to localhost';
  if (isIP(host.replace(/^\[|\]$/g, ''))) return 'server_url must use a host name, not an IP address';
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    return `server_url host '${host}' does not resolve (${(err as Error).message})`;
  }
  if (addresses.length === 0) return `server_url host '${host}' does not resolve`;
  for (const address of addresses) {
    const reason = nonPublicReason(address);
    if (reason) return `server_url host '${host}' resolves to ${address}, a ${reason}`;
  }
  return null;
}
