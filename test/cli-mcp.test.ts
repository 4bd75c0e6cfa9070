import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnCli, waitForHttp } from './support/cli.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from './support/mcp/http-server.js';
import { stdioEntry } from './support/mcp/gateway.js';

let upstream: FakeUpstream;
let httpMcp: TestMcpHttpServer;
const dir = mkdtempSync(join(tmpdir(), 'vr-mcp-cli-'));

function writeConfig(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

beforeAll(async () => {
  upstream = await startFakeUpstream();
  httpMcp = await startTestMcpHttpServer({ name: 'web' });
});
afterAll(async () => {
  await upstream?.close();
  await httpMcp?.close();
});

const baseArgs = () => ['serve', '--upstream', upstream.url, '--code-interpreter', 'disabled', '--gateway-host', '127.0.0.1'];
const env = () => ({ VR_DB_PATH: `sqlite:///${join(dir, `db-${Math.random()}.db`)}`, VR_MCP_HOSTED_STARTUP_TIMEOUT_SEC: '5' });

describe('vllm-responses serve --mcp-config', () => {
  it.each([
    [{ mcpServers: { a: { url: 'https://x.example/mcp', command: 'node' } } }, /both 'url' and 'command'/],
    [{ mcpServers: { a: { servers: { url: 'https://x.example/mcp' } } } }, /nested entries are not supported/],
    [{ servers: {} }, /"mcpServers" object/],
  ])('rejects a bad config before starting anything (%j)', async (doc, message) => {
    const proc = spawnCli([...baseArgs(), '--gateway-port', String(await freePort()), '--mcp-config', writeConfig(`bad-${Math.random()}.json`, doc)], env());
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toMatch(message);
    expect(proc.output()).not.toContain('gateway listening');
  });

  it.each([1, 2])('starts the runtime before the gateway (%i workers) with a stdio and a URL server; a failing server is unavailable, the others work; stops it on SIGTERM', async (workers) => {
    const config = writeConfig('good.json', {
      mcpServers: { files: stdioEntry('files'), web: { url: httpMcp.url, transport: 'streamable-http' }, broken: { command: process.execPath, args: ['-e', 'process.exit(3)'] } },
    });
    const [port, mcpPort] = [await freePort(), await freePort()];
    const proc = spawnCli([...baseArgs(), '--gateway-port', String(port), '--gateway-workers', String(workers), '--mcp-config', config, '--mcp-port', String(mcpPort)], env());
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/health`, proc, 30_000);
      // With several workers /health answers once the first is up; the summary follows the last.
      for (let i = 0; i < 100 && !proc.output().includes('gateway listening'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(proc.output()).toContain(`MCP runtime at http://127.0.0.1:${mcpPort} (2/3 servers available)`);
      const servers = (await (await fetch(`${base}/v1/mcp/servers`)).json()) as any;
      expect(servers.data.map((s: any) => [s.server_label, s.transport, s.available])).toEqual([
        ['files', 'stdio', true],
        ['web', 'streamable-http', true],
        ['broken', 'stdio', false],
      ]);
      const tools = (await (await fetch(`${base}/v1/mcp/servers/files/tools`)).json()) as any;
      expect(tools.data.map((t: any) => t.name).sort()).toEqual(['add', 'echo', 'fail']);
      expect((await fetch(`${base}/v1/mcp/servers/broken/tools`)).status).toBe(409);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/vllm_responses_mcp_server_startup_total\{server_label="broken",status="failure"\} 1/);
      expect(metrics).toMatch(/vllm_responses_mcp_server_startup_total\{server_label="files",status="success"\} 1/);
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${mcpPort}/health`)).rejects.toThrow();
  }, 60_000);
});
