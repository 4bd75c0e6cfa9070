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

  it.each(['10.1.2.3', '127.0.0.1', '169.254.169.254', '192.168.1.1', '172.20.0.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '0.0.0.0'])(
    'refuses a name resolving to %s (among public ones)',
    async (addr) => {
      expect(isPrivateAddress(addr)).toBe(true);
      expect(await remoteUrlProblem('https://mcp.example.com/', resolvesTo('93.184.216.34', addr))).toMatch(/private/);
    },
  );

  it('refuses a name that does not resolve', async () => {
    const fails: Resolver = async () => {
      throw new Error('ENOTFOUND');
    };
    expect(await remoteUrlProblem('https://nowhere.example/', fails)).toMatch(/does not resolve/);
  });
});
