import { describe, expect, it } from 'vitest';
import { blockedAddressReason } from './address-policy.js';

const off = { allowLoopback: false };

describe('blockedAddressReason', () => {
  it.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '::ffff:a9fe:a9fe', '64:ff9b::10.0.0.1', 'fe80::1%eth0',
  ])('refuses %s', (ip) => {
    expect(blockedAddressReason(ip, off)).not.toBeNull();
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows public %s', (ip) => {
    expect(blockedAddressReason(ip, off)).toBeNull();
  });

  it('lets the test switch open loopback only', () => {
    const on = { allowLoopback: true };
    expect(blockedAddressReason('127.0.0.1', on)).toBeNull();
    expect(blockedAddressReason('::1', on)).toBeNull();
    expect(blockedAddressReason('::ffff:127.0.0.1', on)).toBeNull();
    expect(blockedAddressReason('10.0.0.1', on)).toMatch(/private/);
    expect(blockedAddressReason('169.254.169.254', on)).toMatch(/metadata/);
  });

  it('refuses what is not an IP address', () => {
    expect(blockedAddressReason('example.com', off)).toMatch(/not an IP/);
  });
});
