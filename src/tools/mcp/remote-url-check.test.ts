import { describe, expect, it } from 'vitest';
import { isPrivateAddress, remoteUrlProblem, type Resolver } from './remote-url-check.js';

const resolvesTo =
  (...addresses: string[]): Resolver =>
  async () =>
    addresses;

describe('remote MCP URL checks', () => {
  it('accepts an https URL whose every address is public', async () => {
    expect(await remoteUrlProblem('https://mcp.example.com/mcp', resolvesTo('93.184.216.34', '2606:2800:220:1::1'))).toBeNull();
  });

  it.each([
    ['http://mcp.example.com/mcp', /https/],
    ['not a url', /valid URL/],
    ['https://localhost/mcp', /localhost/],
    ['https://api.localhost/mcp', /localhost/],
    ['https://127.0.0.1/mcp', /IP address/],
    ['https://[::1]/mcp', /IP address/],
    ['https://user:pw@mcp.example.com/', /credentials/],
  ])('refuses %s', async (url, reason) => {
    expect(await remoteUrlProblem(url, resolvesTo('93.184.216.34'))).toMatch(reason);
  });

  it.each([
    ['10.1.2.3', /private-use/],
    ['127.0.0.1', /loopback/],
    ['169.254.169.254', /link-local/],
    ['192.168.1.1', /private-use/],
    ['172.20.0.1', /private-use/],
    ['100.64.0.1', /shared/],
    ['::1', /loopback/],
    ['fd00::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['::ffff:10.0.0.1', /IPv4-mapped address of 10\.0\.0\.1/],
    ['64:ff9b::a00:1', /NAT64/],
    ['0.0.0.0', /this host/],
  ])('refuses a name resolving to %s (among public ones), naming why', async (addr, reason) => {
    expect(isPrivateAddress(addr)).toBe(true);
    const problem = await remoteUrlProblem('https://mcp.example.com/', resolvesTo('93.184.216.34', addr));
    expect(problem).toContain(`resolves to ${addr}`);
    expect(problem).toMatch(reason);
  });

  it('refuses a name that does not resolve', async () => {
    const fails: Resolver = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await remoteUrlProblem('https://nowhere.example/', fails)).toMatch(/does not resolve/);
  });
});
