// Decides whether one outbound request may proceed. Two stages: the URL (scheme, host
// rules, IP literals) before any I/O, then every DNS-resolved address right before connecting,
// so a public name pointing at a private address (or DNS rebinding) is still caught.
import { isIP } from 'node:net';
import { nonPublicReason, unmapIpv4 } from '../../net/classify-address.js';
import { cidrBlockList, type EgressPolicy } from './egress-policy.js';

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

export interface EgressChecker {
  checkUrl(url: URL): EgressDecision;
  checkAddress(host: string, address: string): EgressDecision;
}

export function createEgressChecker(policy: EgressPolicy): EgressChecker {
  const cidrRules = cidrBlockList(policy.rules.filter((r) => r.kind === 'cidr').map((r) => r.value));
  const hasCidrRules = policy.rules.some((r) => r.kind === 'cidr');
  const hasNameRules = policy.rules.some((r) => r.kind !== 'cidr');

  const nameMatches = (host: string): boolean =>
    policy.rules.some((r) => {
      const value = r.value.toLowerCase().replace(/^\.+/, '');
      if (r.kind === 'host') return host === value;
      if (r.kind === 'suffix') return host === value || host.endsWith(`.${value}`);
      return false;
    });

  return {
    checkUrl(url) {
      const scheme = url.protocol.replace(/:$/, '');
      if (!(policy.allowed_schemes as string[]).includes(scheme)) {
        return deny(`scheme "${scheme}" is not allowed (allowed: ${policy.allowed_schemes.join(', ') || 'none'})`);
      }
      const host = normalizeHost(url.hostname);
      const literal = isIP(host) !== 0;
      if (literal && policy.block_ip_literals) return deny(`IP literal hosts are blocked (${host})`);
      // In allowlist mode a name must match a host/suffix rule, unless only CIDR rules
      // exist (then the address stage decides). IP literals are judged by address.
      if (policy.mode === 'allowlist' && !literal && !nameMatches(host) && !(hasCidrRules && !hasNameRules)) {
        return deny(`host "${host}" is not on the allowlist`);
      }
      if (policy.mode === 'denylist' && !literal && nameMatches(host)) {
        return deny(`host "${host}" is on the denylist`);
      }
      return { allowed: true };
    },
    checkAddress(host, address) {
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      const normalized = unmapIpv4(address);
      const fam = normalized === address ? family : 'ipv4';
      const inCidr = hasCidrRules && cidrRules.check(normalized, fam);
      const nonPublic = policy.block_private_networks ? nonPublicReason(address) : null;
      if (nonPublic) return deny(`${host} resolves to ${address}, a ${nonPublic}`);
      if (policy.mode === 'denylist' && inCidr) return deny(`${host} resolves to ${address}, which is on the denylist`);
      if (policy.mode === 'allowlist') {
        // A host rule may name an IP literal ("127.0.0.1"), so match the name either way.
        if (!nameMatches(normalizeHost(host)) && !inCidr) return deny(`${host} (${address}) is not on the allowlist`);
      }
      return { allowed: true };
    },
  };
}

function deny(reason: string): EgressDecision {
  return { allowed: false, reason };
}

function normalizeHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}
