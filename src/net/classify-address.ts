/**
 * The one classifier of non-public addresses: every place the gateway connects somewhere on
 * behalf of a model or a request (web_search page fetches, remote MCP servers, code-interpreter
 * egress) asks `nonPublicReason`, so the SSRF rules cannot drift apart, and a refusal names why.
 *
 * Rules, most specific first:
 * - the most specific entry of the special-purpose tables decides (`special-purpose-ranges.ts`);
 *   globally reachable exceptions (anycast services) are public;
 * - addresses that carry an IPv4 address — IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
 *   (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`), 6to4
 *   (`2002:AABB:CCDD::`) and Teredo (client address, obfuscated, in the last 32 bits) — are
 *   judged by that IPv4 address, since that is where a packet ends up;
 * - IPv6 outside 2000::/3 (global unicast) is reserved by the IETF and refused;
 * - anything that is not an IP address is refused (callers pass resolved addresses).
 */
import { isIP } from 'node:net';
import { IPV4_SPECIAL, IPV6_SPECIAL, type SpecialRange } from './special-purpose-ranges.js';

interface CompiledRange extends SpecialRange {
  bytes: Uint8Array;
  prefix: number;
}

/** IPv4 → 4 bytes, IPv6 → 16 bytes (zone ids dropped), anything else → null. */
export function ipBytes(address: string): Uint8Array | null {
  const ip = address.split('%')[0] ?? '';
  const family = isIP(ip);
  if (family === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (family !== 6) return null;
  let text = ip.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groupsOf = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groupsOf(head);
  const t = tail === undefined ? [] : groupsOf(tail);
  const groups = tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 255;
  });
  return out;
}

function compile(ranges: readonly SpecialRange[]): CompiledRange[] {
  return ranges
    .map((r) => {
      const [net = '', prefix = '0'] = r.cidr.split('/');
      const bytes = ipBytes(net);
      if (!bytes) throw new Error(`bad range ${r.cidr}`);
      return { ...r, bytes, prefix: Number(prefix) };
    })
    .sort((a, b) => b.prefix - a.prefix); // most specific first
}

const V4 = compile(IPV4_SPECIAL);
const V6 = compile(IPV6_SPECIAL);

function inRange(bytes: Uint8Array, range: CompiledRange): boolean {
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full] ?? 0) & mask) === ((range.bytes[full] ?? 0) & mask);
}

const dotted = (b: ArrayLike<number>, at: number, xor = 0): string =>
  [0, 1, 2, 3].map((i) => ((b[at + i] ?? 0) ^ xor) & 255).join('.');

/** The IPv4 address an IPv6 address of an embedding block carries. */
function embeddedIpv4(bytes: Uint8Array, kind: NonNullable<SpecialRange['embedded']>): string {
  if (kind === '6to4') return dotted(bytes, 2);
  if (kind === 'teredo') return dotted(bytes, 12, 0xff); // the client address, bits inverted
  return dotted(bytes, 12);
}

/** Why connecting to `address` must be refused, or null when it is a public unicast address. */
export function nonPublicReason(address: string): string | null {
  const bytes = ipBytes(address);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) {
    const hit = V4.find((r) => inRange(bytes, r));
    return hit && !hit.global ? hit.name : null;
  }
  const hit = V6.find((r) => inRange(bytes, r));
  if (hit?.embedded) {
    const inner = embeddedIpv4(bytes, hit.embedded);
    // `::` and `::1` are matched above by their /128 entries, never as IPv4-compatible.
    const reason = nonPublicReason(inner);
    if (reason) return `${hit.name} of ${inner}, a ${reason}`;
    return hit.global ? null : hit.name;
  }
  if (hit) return hit.global ? null : hit.name;
  // Only 2000::/3 is allocated for global unicast; the rest is reserved by the IETF.
  if (((bytes[0] ?? 0) & 0xe0) !== 0x20) return 'reserved IPv6 address (outside 2000::/3 global unicast)';
  return null;
}

/** True for every address that is not public unicast; also for strings that are not addresses. */
export function isNonPublicAddress(address: string): boolean {
  return nonPublicReason(address) !== null;
}

/** 127.0.0.0/8 and ::1, also written as IPv4-mapped (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string): boolean {
  const bytes = ipBytes(address);
  if (!bytes) return false;
  if (bytes.length === 4) return bytes[0] === 127;
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return true;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped && bytes[12] === 127;
}

/** The IPv4 address an IPv4-mapped IPv6 address stands for (`::ffff:10.0.0.1` → `10.0.0.1`), else the input. */
export function unmapIpv4(address: string): string {
  const bytes = ipBytes(address);
  if (!bytes || bytes.length === 4) return address;
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? dotted(bytes, 12) : address;
}
