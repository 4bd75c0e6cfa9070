// Policy parsing and decisions without a Python runtime.
import { describe, expect, it } from 'vitest';
import { createEgressChecker } from '../../src/helpers/code-interpreter-server/egress-check.js';
import { DEFAULT_EGRESS_POLICY, parseEgressPolicy } from '../../src/helpers/code-interpreter-server/egress-policy.js';

describe('egress policy parsing', () => {
  it('rejects invalid policies with a message naming the problem', () => {
    expect(() => parseEgressPolicy({ mode: 'maybe' })).toThrow(/mode/);
    expect(() => parseEgressPolicy({ mode: 'allowlist', rules: [{ kind: 'cidr', value: '10.0.0.0/99' }] })).toThrow(/rules\.0\.value/);
    expect(() => parseEgressPolicy({ mode: 'denylist', allowed_schemes: ['ftp'] })).toThrow(/allowed_schemes/);
    expect(() => parseEgressPolicy({ mode: 'denylist', extra: 1 })).toThrow(/extra|Unrecognized/);
  });
});

describe('egress decisions', () => {
  const url = (u: string) => new URL(u);

  it('default policy: public allowed, private and metadata blocked', () => {
    const c = createEgressChecker(DEFAULT_EGRESS_POLICY);
    expect(c.checkUrl(url('https://example.com/')).allowed).toBe(true);
    expect(c.checkAddress('example.com', '93.184.216.34').allowed).toBe(true);
    for (const a of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.20.0.1', '169.254.169.254', 'fd00:ec2::254', '::1', '::ffff:10.0.0.1', 'fe80::1']) {
      expect(c.checkAddress('h', a).allowed, a).toBe(false);
    }
  });

  it('denylist host, suffix and cidr rules', () => {
    const c = createEgressChecker(
      parseEgressPolicy({
        mode: 'denylist',
        block_private_networks: false,
        rules: [{ kind: 'host', value: 'bad.com' }, { kind: 'suffix', value: 'evil.org' }, { kind: 'cidr', value: '8.8.8.0/24' }],
      }),
    );
    expect(c.checkUrl(url('http://bad.com/')).allowed).toBe(false);
    expect(c.checkUrl(url('http://a.b.evil.org/')).allowed).toBe(false);
    expect(c.checkUrl(url('http://good.com/')).allowed).toBe(true);
    expect(c.checkAddress('x', '8.8.8.8').allowed).toBe(false);
    expect(c.checkAddress('x', '1.1.1.1').allowed).toBe(true);
  });

  it('allowlist and ip literal blocking', () => {
    const c = createEgressChecker(
      parseEgressPolicy({ mode: 'allowlist', block_ip_literals: true, rules: [{ kind: 'suffix', value: 'example.com' }] }),
    );
    expect(c.checkUrl(url('https://api.example.com/')).allowed).toBe(true);
    expect(c.checkUrl(url('https://example.org/')).allowed).toBe(false);
    expect(c.checkUrl(url('http://1.2.3.4/')).allowed).toBe(false);
    expect(c.checkUrl(url('ftp://example.com/')).allowed).toBe(false);
  });
});
