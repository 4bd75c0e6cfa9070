/**
 * Table-driven over the full IANA special-purpose registries (IPv4 and IPv6, as written in
 * `special-purpose-ranges.ts`): the first and last address of every block is refused exactly
 * when the block is not globally reachable (unless a more specific block decides), embedding
 * blocks are judged by the IPv4 address inside, and the hand-written cases below pin the
 * registry facts themselves, independent of the tables.
 */
import { describe, expect, it } from 'vitest';
import { ipBytes, isLoopbackAddress, isNonPublicAddress, nonPublicReason, unmapIpv4 } from './classify-address.js';
import { IPV4_SPECIAL, IPV6_SPECIAL, type SpecialRange } from './special-purpose-ranges.js';

function format(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

function bounds(cidr: string): { first: Uint8Array; last: Uint8Array; prefix: number } {
  const [net = '', p = '0'] = cidr.split('/');
  const first = ipBytes(net)!;
  const prefix = Number(p);
  const last = Uint8Array.from(first);
  for (let bit = prefix; bit < last.length * 8; bit++) last[bit >> 3]! |= 0x80 >> (bit & 7);
  return { first, last, prefix };
}

function contains(cidr: string, bytes: Uint8Array): boolean {
  const { first, prefix } = bounds(cidr);
  if (first.length !== bytes.length) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((first[bit >> 3] ?? 0) & mask) !== ((bytes[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

/** The entry that decides an address: the most specific block containing it. */
function decidingEntry(table: readonly SpecialRange[], bytes: Uint8Array): SpecialRange {
  return [...table].filter((r) => contains(r.cidr, bytes)).sort((a, b) => bounds(b.cidr).prefix - bounds(a.cidr).prefix)[0]!;
}

describe.each([
  ['IPv4', IPV4_SPECIAL],
  ['IPv6', IPV6_SPECIAL],
])('%s special-purpose registry', (_family, table) => {
  const cases = table
    .filter((r) => !r.embedded)
    .flatMap((r) => {
      const { first, last } = bounds(r.cidr);
      return [first, last].filter((b) => decidingEntry(table, b) === r).map((b) => [format(b), r] as const);
    });
  it.each(cases)('%s is judged as its block says', (address, range) => {
    expect(nonPublicReason(address)).toBe(range.global ? null : range.name);
  });

  it('every block contributes at least one judged address or is an embedding block', () => {
    for (const r of table) {
      const { first, last } = bounds(r.cidr);
      const judged = [first, last].some((b) => decidingEntry(table, b) === r);
      expect(judged || r.embedded !== undefined || r.cidr === '192.0.0.0/24' || r.cidr === '2001::/23').toBe(true);
    }
  });
});

describe('addresses that carry an IPv4 address are judged by it', () => {
  it.each([
    // [address, refused]
    ['::ffff:10.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:0808:0808', false],
    ['64:ff9b::8.8.8.8', false], // well-known NAT64 prefix is globally reachable
    ['64:ff9b::a00:1', true], // … but not to 10.0.0.1
    ['64:ff9b::7f00:1', true],
    ['64:ff9b::a9fe:a9fe', true], // metadata through NAT64
    ['64:ff9b:1::a00:1', true], // local-use NAT64 is never global
    ['64:ff9b:1::808:808', true],
    ['::ffff:0:a00:1', true], // IPv4-translated 10.0.0.1
    ['::ffff:0:808:808', true], // IPv4-translated is not globally reachable at all
    ['::10.0.0.1', true], // IPv4-compatible (deprecated)
    ['::8.8.8.8', true],
    ['2002:a00:1::', true], // 6to4 of 10.0.0.1
    ['2002:7f00:1::1', true], // 6to4 of 127.0.0.1
    ['2002:a9fe:a9fe::', true], // 6to4 of 169.254.169.254
    ['2002:808:808::1', false], // 6to4 of 8.8.8.8
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', true], // Teredo, client 10.0.0.1
    ['2001:0:4136:e378:8000:63bf:80ff:fefe', true], // Teredo, client 127.0.1.1
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true], // RFC 4380's example: client 192.0.2.45 (documentation)
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false], // Teredo, client 8.8.8.8
  ])('%s refused: %s', (address, refused) => {
    expect(isNonPublicAddress(address)).toBe(refused);
  });

  it('names the embedded address and its reason', () => {
    expect(nonPublicReason('64:ff9b::a00:1')).toBe('NAT64 (IPv4-IPv6 translation) address of 10.0.0.1, a private-use address');
    expect(nonPublicReason('2002:a9fe:a9fe::')).toBe('6to4 address of 169.254.169.254, a link-local address (cloud metadata lives here)');
    expect(nonPublicReason('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toBe('Teredo address of 192.0.2.45, a documentation address (TEST-NET-1)');
    expect(nonPublicReason('::ffff:0:a00:1')).toBe('IPv4-translated address of 10.0.0.1, a private-use address');
  });
});

describe('registry facts (independent of the tables)', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['10.1.2.3', /private-use/],
    ['172.16.0.1', /private-use/],
    ['172.31.255.255', /private-use/],
    ['192.168.1.1', /private-use/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /shared/],
    ['0.0.0.0', /this host/],
    ['0.1.2.3', /this network/],
    ['192.0.0.1', /service continuity/],
    ['192.0.0.170', /NAT64\/DNS64/],
    ['192.0.2.1', /documentation/],
    ['198.51.100.7', /documentation/],
    ['203.0.113.9', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['192.88.99.1', /6to4 relay/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['fd00:ec2::254', /unique-local/],
    ['fc00::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['100::1', /discard-only/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['2001:2::1', /benchmarking/],
    ['2001:10::1', /ORCHID/],
    ['2001:100::1', /IETF protocol assignment/],
    ['5f00::1', /segment routing/],
    ['4000::1', /outside 2000::\/3/],
    ['not-an-ip', /not an IP address/],
    ['', /not an IP address/],
    ['10.0.0.1.example.com', /not an IP address/],
  ])('%s is refused (%s)', (address, reason) => {
    expect(nonPublicReason(address)).toMatch(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '192.0.0.9', // PCP anycast: globally reachable inside 192.0.0.0/24
    '192.0.0.10',
    '192.31.196.1',
    '192.52.193.1',
    '192.175.48.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2001:1::1',
    '2001:1::2',
    '2001:3::1',
    '2001:4:112::1',
    '2001:20::1',
    '2620:4f:8000::1',
  ])('%s is public', (address) => {
    expect(nonPublicReason(address)).toBeNull();
  });
});

describe('helpers', () => {
  it('loopback in every spelling', () => {
    for (const a of ['127.0.0.1', '127.255.0.1', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['10.0.0.1', '::2', 'localhost', '64:ff9b::7f00:1']) expect(isLoopbackAddress(a)).toBe(false);
  });
  it('unmaps IPv4-mapped addresses only', () => {
    expect(unmapIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('::ffff:a00:1')).toBe('10.0.0.1');
    expect(unmapIpv4('64:ff9b::a00:1')).toBe('64:ff9b::a00:1');
    expect(unmapIpv4('8.8.8.8')).toBe('8.8.8.8');
  });
});
