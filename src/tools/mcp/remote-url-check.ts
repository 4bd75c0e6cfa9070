/**
 * SSRF guard for request-supplied MCP server URLs (`VR_MCP_REQUEST_REMOTE_URL_CHECKS`): https
 * only, no localhost names, no IP literals, and every address the name resolves to must be
 * public. Returns the reason a URL is refused, or null when it may be contacted.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 can reach private IPv4
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for private, loopback, link-local and other non-public addresses (IPv4-mapped IPv6 too). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

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
  if (addresses.some(isPrivateAddress)) return `server_url host '${host}' resolves to a private, loopback or link-local address`;
  return null;
}
