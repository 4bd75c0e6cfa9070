import { isIP } from 'node:net';

/**
 * Which IP addresses a page fetch may connect to. The model chooses the URLs `open_page`
 * fetches, so without this a prompt could make the gateway read its own network (cloud
 * metadata, admin ports, databases). Everything that is not a public unicast address is refused.
 */
export interface AddressPolicy {
  /** Allow 127.0.0.0/8 and ::1. Only for tests that serve pages on loopback; off in production. */
  allowLoopback: boolean;
}

function ipv4Parts(ip: string): number[] | null {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : null;
}

function isLoopback(ip: string): boolean {
  const v4 = embeddedIpv4(ip) ?? ip;
  if (isIP(v4) === 4) return ipv4Parts(v4)?.[0] === 127;
  return expandIpv6(ip) === '0000:0000:0000:0000:0000:0000:0000:0001';
}

/** Why an IPv4 address is not public, or null when it is. */
function blockedIpv4(ip: string): string | null {
  const p = ipv4Parts(ip);
  if (!p) return 'not an IPv4 address';
  const [a = 0, b = 0, c = 0] = p;
  if (a === 0) return 'this-network address';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private address';
  if (a === 127) return 'loopback address';
  if (a === 169 && b === 254) return 'link-local or metadata address';
  if (a === 100 && b >= 64 && b <= 127) return 'carrier-grade NAT address';
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved address';
  if (a === 198 && (b === 18 || b === 19)) return 'benchmarking address';
  if ((a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'documentation address';
  if (a >= 224) return 'multicast or reserved address';
  return null;
}

/** The eight 4-digit groups of an IPv6 address (without zone), or null. */
function expandIpv6(ip: string): string | null {
  let s = ip.split('%')[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const p = ipv4Parts(v4[1]!);
    if (!p) return null;
    s = s.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** An IPv4 address carried inside an IPv6 one (mapped ::ffff:a.b.c.d, compatible, NAT64). */
function embeddedIpv4(ip: string): string | null {
  const full = expandIpv6(ip);
  if (!full) return null;
  const g = full.split(':');
  const tail = () => {
    const hi = parseInt(g[6]!, 16);
    const lo = parseInt(g[7]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  };
  if (g.slice(0, 5).every((x) => x === '0000') && (g[5] === 'ffff' || g[5] === '0000') && !(g[5] === '0000' && g[6] === '0000')) return tail();
  if (g[0] === '0064' && g[1] === 'ff9b') return tail();
  return null;
}

function blockedIpv6(ip: string): string | null {
  const full = expandIpv6(ip);
  if (!full) return 'not an IPv6 address';
  const inner = embeddedIpv4(ip);
  if (inner) return blockedIpv4(inner);
  if (full === '0000:0000:0000:0000:0000:0000:0000:0000') return 'unspecified address';
  if (full === '0000:0000:0000:0000:0000:0000:0000:0001') return 'loopback address';
  const first = parseInt(full.slice(0, 4), 16);
  if ((first & 0xfe00) === 0xfc00) return 'unique-local (private) address';
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return 'link-local address';
  if ((first & 0xff00) === 0xff00) return 'multicast address';
  if (full.startsWith('2001:0db8')) return 'documentation address';
  // fd00:ec2::254 (AWS metadata over IPv6) is inside fc00::/7 and already refused above.
  return null;
}

/** Why the gateway must not connect to `ip`, or null when it may. */
export function blockedAddressReason(ip: string, policy: AddressPolicy): string | null {
  if (policy.allowLoopback && isLoopback(ip)) return null;
  const family = isIP(ip.split('%')[0]!);
  if (family === 4) return blockedIpv4(ip);
  if (family === 6) return blockedIpv6(ip);
  return 'not an IP address';
}
