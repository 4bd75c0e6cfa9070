// `vllm serve MODEL --responses --responses-mcp-config …` starts the MCP runtime in integrated
// mode (fake Python vLLM first on PATH, as in vllm-integrated.test.ts) and stops it with vLLM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHttp } from './support/cli.js';
import { stdioEntry } from './support/mcp/gateway.js';
import { spawnVllm } from './support/vllm-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-vllm-mcp-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('integrated mode: --responses-mcp-config', () => {
  it('starts the MCP runtime on --responses-mcp-port and serves discovery', async () => {
    const config = join(dir, 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { files: stdioEntry('files') } }));
    const [port, mcpPort] = [await freePort(), await freePort()];
    const proc = spawnVllm(
      ['serve', 'fake/model-7b', '--responses', '--host', '127.0.0.1', '--port', String(port), '--responses-code-interpreter', 'disabled', '--responses-mcp-config', config, '--responses-mcp-port', String(mcpPort)],
      { VR_DB_PATH: `sqlite:///${join(dir, `${port}.db`)}` },
    );
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 30_000);
      const servers = (await (await fetch(`http://127.0.0.1:${port}/v1/mcp/servers`)).json()) as any;
      expect(servers.data).toEqual([{ object: 'mcp_server', server_label: 'files', transport: 'stdio', available: true, error: null }]);
      for (let i = 0; i < 50 && !proc.output().includes('MCP runtime at'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(proc.output()).toContain(`MCP runtime at http://127.0.0.1:${mcpPort} (1/1 servers available)`);
      proc.child.kill('SIGTERM');
      await proc.exited;
      await expect(fetch(`http://127.0.0.1:${mcpPort}/health`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 60_000);
});
