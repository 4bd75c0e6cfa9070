import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pinnedFetch, publicOnlyLookup } from './pinned-fetch.js';

describe('pinned fetch for remote MCP servers', () => {
  it('refuses at connect time a host that resolves to a loopback address', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('EADDRNOTPUBLIC');
  });

  it('never reaches a loopback server, even though it is listening', async () => {
    let reached = false;
    const server = createServer((_req, res) => {
      reached = true;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(pinnedFetch()(`http://localhost:${port}/mcp`, { method: 'POST', body: '{}' })).rejects.toThrow();
      expect(reached).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
