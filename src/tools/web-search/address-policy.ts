import { isIP } from 'node:net';
import { isLoopbackAddress, nonPublicReason } from '../../net/classify-address.js';

/**
 * Which IP addresses a page fetch may connect to. The model chooses the URLs `open_page`
 * fetches, so without this a prompt could make the gateway read its own network (cloud
 * metadata, admin ports, databases). Everything that is not a public unicast address is refused,
 * by the one classifier every network-facing feature shares (`net/classify-address.ts`).
 */
export interface AddressPolicy {
  /** Allow 127.0.0.0/8 and ::1. Only for tests that serve pages on loopback; off in production. */
  allowLoopback: boolean;
}

/** Why the gateway must not connect to `ip`, or null when it may. */
export function blockedAddressReason(ip: string, policy: AddressPolicy): string | null {
  if (isIP(ip.split('%')[0] ?? '') === 0) return 'not an IP address';
  if (policy.allowLoopback && isLoopbackAddress(ip)) return null;
  return nonPublicReason(ip);
}
