import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pinnedLookup } from '../../net/pinned-lookup.js';
import { pinnedFetch, publicOnly, publicOnlyAgent } from './pinned-fetch.js';

describe('pinned fetch for remote MCP servers', () => {
  it('refuses at connect time a host that resolves to a loopback address, naming why', async () => {
    const lookup = pinnedLookup(publicOnly) as unknown as (h: string, o: object, cb: (e: NodeJS.ErrnoException | null) => void) => void;
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('EADDRNOTPUBLIC');
    expect(err?.message).toMatch(/loopback address/);
  });

  it('never reaches a loopback server, even though it is listening; one agent serves many requests', async () => {
    let reached = false;
    const server = createServer((_req, res) => {
      reached = true;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const agent = publicOnlyAgent();
    try {
      const fetchImpl = pinnedFetch(agent);
      for (let i = 0; i < 3; i++) await expect(fetchImpl(`http://localhost:${port}/mcp`, { method: 'POST', body: '{}' })).rejects.toThrow();
      expect(reached).toBe(false);
    } finally {
      await agent.close();
      await new Promise((r) => server.close(r));
    }
  });
});
