/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (iana.org/assignments/
 * iana-ipv4-special-registry, iana-ipv6-special-registry), plus the ranges that are not
 * special-purpose but are still not public unicast (IPv4 multicast; IPv6 multicast, site-local,
 * and everything outside 2000::/3 — see `classify-address.ts`).
 *
 * `global` is the registry's "Globally Reachable" column: true entries (anycast services such
 * as PCP, TURN, AS112, AMT) are exceptions inside larger non-global blocks and may be reached.
 * `embedded` marks blocks whose addresses carry an IPv4 address (translation and tunnelling
 * formats): they are judged by that IPv4 address instead, see `embeddedIpv4`.
 */

export interface SpecialRange {
  cidr: string;
  /** What the block is, as the registry names it; the reason a refused address gives. */
  name: string;
  global: boolean;
  /** The IPv4 address inside decides (NAT64, 6to4, Teredo, IPv4-mapped/-compatible/-translated). */
  embedded?: 'last32' | '6to4' | 'teredo';
}

export const IPV4_SPECIAL: readonly SpecialRange[] = [
  { cidr: '0.0.0.0/8', name: '"this network" address', global: false },
  { cidr: '0.0.0.0/32', name: '"this host on this network" address', global: false },
  { cidr: '10.0.0.0/8', name: 'private-use address', global: false },
  { cidr: '100.64.0.0/10', name: 'shared (carrier-grade NAT) address', global: false },
  { cidr: '127.0.0.0/8', name: 'loopback address', global: false },
  { cidr: '169.254.0.0/16', name: 'link-local address (cloud metadata lives here)', global: false },
  { cidr: '172.16.0.0/12', name: 'private-use address', global: false },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignment', global: false },
  { cidr: '192.0.0.0/29', name: 'IPv4 service continuity prefix', global: false },
  { cidr: '192.0.0.8/32', name: 'IPv4 dummy address', global: false },
  { cidr: '192.0.0.9/32', name: 'Port Control Protocol anycast', global: true },
  { cidr: '192.0.0.10/32', name: 'TURN anycast', global: true },
  { cidr: '192.0.0.170/32', name: 'NAT64/DNS64 discovery address', global: false },
  { cidr: '192.0.0.171/32', name: 'NAT64/DNS64 discovery address', global: false },
  { cidr: '192.0.2.0/24', name: 'documentation address (TEST-NET-1)', global: false },
  { cidr: '192.31.196.0/24', name: 'AS112-v4', global: true },
  { cidr: '192.52.193.0/24', name: 'AMT', global: true },
  { cidr: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast address', global: false },
  { cidr: '192.168.0.0/16', name: 'private-use address', global: false },
  { cidr: '192.175.48.0/24', name: 'direct delegation AS112 service', global: true },
  { cidr: '198.18.0.0/15', name: 'benchmarking address', global: false },
  { cidr: '198.51.100.0/24', name: 'documentation address (TEST-NET-2)', global: false },
  { cidr: '203.0.113.0/24', name: 'documentation address (TEST-NET-3)', global: false },
  { cidr: '240.0.0.0/4', name: 'reserved address', global: false },
  { cidr: '255.255.255.255/32', name: 'limited broadcast address', global: false },
  // Not in the special-purpose registry, but never a unicast destination.
  { cidr: '224.0.0.0/4', name: 'multicast address', global: false },
];

export const IPV6_SPECIAL: readonly SpecialRange[] = [
  { cidr: '::/128', name: 'unspecified address', global: false },
  { cidr: '::1/128', name: 'loopback address', global: false },
  // Registry: not globally reachable on the wire; but a socket given one connects to the IPv4
  // address inside, so it is exactly as public as that address.
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped address', global: true, embedded: 'last32' },
  { cidr: '64:ff9b::/96', name: 'NAT64 (IPv4-IPv6 translation) address', global: true, embedded: 'last32' },
  { cidr: '64:ff9b:1::/48', name: 'local-use NAT64 (IPv4-IPv6 translation) address', global: false },
  { cidr: '100::/64', name: 'discard-only address', global: false },
  { cidr: '100:0:0:1::/64', name: 'dummy IPv6 prefix', global: false },
  { cidr: '2001::/23', name: 'IETF protocol assignment', global: false },
  { cidr: '2001::/32', name: 'Teredo address', global: true, embedded: 'teredo' },
  { cidr: '2001:1::1/128', name: 'Port Control Protocol anycast', global: true },
  { cidr: '2001:1::2/128', name: 'TURN anycast', global: true },
  { cidr: '2001:1::3/128', name: 'DNS-SD service registration protocol anycast', global: true },
  { cidr: '2001:2::/48', name: 'benchmarking address', global: false },
  { cidr: '2001:3::/32', name: 'AMT', global: true },
  { cidr: '2001:4:112::/48', name: 'AS112-v6', global: true },
  { cidr: '2001:10::/28', name: 'deprecated ORCHID address', global: false },
  { cidr: '2001:20::/28', name: 'ORCHIDv2', global: true },
  { cidr: '2001:30::/28', name: 'drone remote ID entity tags', global: true },
  { cidr: '2001:db8::/32', name: 'documentation address', global: false },
  { cidr: '2002::/16', name: '6to4 address', global: true, embedded: '6to4' },
  { cidr: '2620:4f:8000::/48', name: 'direct delegation AS112 service', global: true },
  { cidr: '3fff::/20', name: 'documentation address', global: false },
  { cidr: '5f00::/16', name: 'segment routing (SRv6) SID', global: false },
  { cidr: 'fc00::/7', name: 'unique-local (private) address (fd00:ec2::254 metadata included)', global: false },
  { cidr: 'fe80::/10', name: 'link-local address', global: false },
  // Not in the special-purpose registry, but never a public unicast destination.
  { cidr: '::/96', name: 'IPv4-compatible address (deprecated)', global: false, embedded: 'last32' },
  { cidr: '::ffff:0:0:0/96', name: 'IPv4-translated address', global: false, embedded: 'last32' },
  { cidr: 'fec0::/10', name: 'site-local address (deprecated)', global: false },
  { cidr: 'ff00::/8', name: 'multicast address', global: false },
];
