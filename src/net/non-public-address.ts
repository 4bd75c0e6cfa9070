/**
 * Which IP addresses are not on the public internet: loopback, RFC 1918, CGNAT, link-local
 * (cloud metadata at 169.254.169.254 included), unique-local (fd00:ec2::254 included),
 * multicast, reserved, and NAT64 (which can reach private IPv4). One list for every place the
 * gateway refuses to connect somewhere on behalf of a model or a request (code-interpreter egress,
 * remote MCP servers), so the SSRF rules cannot drift apart.
 */
import { BlockList, isIP } from 'node:net';

const RANGES: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['192.0.2.0', 24, 'ipv4'], // documentation
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 96, 'ipv6'], // unspecified, loopback, IPv4-compatible (deprecated) addresses
  ['fc00::', 7, 'ipv6'], // unique local (fd00:ec2::254 metadata included)
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['2001:db8::', 32, 'ipv6'], // documentation
  ['ff00::', 8, 'ipv6'], // multicast
  ['64:ff9b::', 96, 'ipv6'], // NAT64 can reach private IPv4
];

const nonPublic = new BlockList();
for (const [net, prefix, family] of RANGES) nonPublic.addSubnet(net, prefix, family);

/** `::ffff:10.0.0.1` is judged as the IPv4 address it really is. */
export function unmapIpv4(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

/** True for every address that is not public unicast; also for strings that are not addresses. */
export function isNonPublicAddress(address: string): boolean {
  const plain = unmapIpv4(address);
  const family = isIP(plain);
  if (family === 0) return true;
  return nonPublic.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}
