import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnCli, waitForHttp } from './support/cli.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';

/**
 * A supervisor killed outright (SIGKILL: no chance to stop anything) leaves no helper behind:
 * the MCP runtime helper notices its parent is gone and exits, freeing its port.
 */
let upstream: FakeUpstream;
let dir: string;
beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-orphan-'));
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(500) });
    return true;
  } catch {
    return false;
  }
}

describe('helpers exit when their supervisor dies', () => {
  it('SIGKILL to the supervisor: the MCP runtime helper exits and frees its port', async () => {
    const config = join(dir, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: {} }));
    const [port, mcpPort] = [await freePort(), await freePort()];
    const proc = spawnCli(
      ['serve', '--upstream', upstream.url, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--code-interpreter', 'disabled', '--mcp-config', config, '--mcp-port', String(mcpPort)],
      { VR_DB_PATH: `sqlite:///${join(dir, 'a.db')}` },
    );
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 30_000);
      expect(await reachable(`http://127.0.0.1:${mcpPort}/health`)).toBe(true);
      proc.child.kill('SIGKILL');
      await expect.poll(() => reachable(`http://127.0.0.1:${mcpPort}/health`), { timeout: 10_000, interval: 200 }).toBe(false);
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 60_000);
});
