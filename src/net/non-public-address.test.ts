import { describe, expect, it } from 'vitest';
import { isNonPublicAddress } from './non-public-address.js';

describe('isNonPublicAddress', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd00:ec2::254', 'fe80::1', 'ff02::1',
    '::ffff:10.0.0.1', '::ffff:127.0.0.1', '64:ff9b::a00:1', '::10.0.0.1', 'fec0::1', '2001:db8::1', '192.0.2.1', 'not-an-ip', '',
  ])('refuses %s', (ip) => expect(isNonPublicAddress(ip)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (ip) => expect(isNonPublicAddress(ip)).toBe(false));
});
