import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSse, startFakeUpstream, textChunks, type FakeUpstream } from './support/fake-upstream.js';
import { freePort, spawnCli, waitForHttp } from './support/cli.js';

let upstream: FakeUpstream;
let dir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-cli-'));
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('vllm-responses serve (real CLI process)', () => {
  it('serves the Responses API, keeps state in VR_DB_PATH, sends VR_OPENAI_API_KEY upstream, and drains a stream on SIGTERM', async () => {
    const port = await freePort();
    const proc = spawnCli(['serve', '--upstream', upstream.url.replace(/\/v1$/, ''), '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--code-interpreter', 'disabled'], {
      VR_DB_PATH: `sqlite:///${join(dir, 'cli.db')}`,
      VR_OPENAI_API_KEY: 'upstream-secret',
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'client-key', maxRetries: 0 });
      const r1 = await client.responses.create({ model: 'fake-model', input: 'ping' });
      expect(r1.output_text).toBe('You said: ping');
      expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer upstream-secret');
      const r2 = await client.responses.create({ model: 'fake-model', input: 'again', previous_response_id: r1.id });
      expect(r2.output_text).toBe('You said: again');
      expect(upstream.requests.at(-1)!.body.messages).toHaveLength(3);
      expect((await client.responses.retrieve(r1.id)).output_text).toBe('You said: ping');

      // A slow stream is in flight when SIGTERM arrives: it must finish, then the process exits 0.
      upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['slow ', 'but ', 'complete']), { delayMs: 150 }));
      const stream = await client.responses.create({ model: 'fake-model', input: 'x', stream: true });
      const types: string[] = [];
      const consumed = (async () => {
        for await (const ev of stream) {
          types.push(ev.type);
          if (ev.type === 'response.output_text.delta' && types.filter((t) => t === 'response.output_text.delta').length === 1) proc.child.kill('SIGTERM');
        }
      })();
      await consumed;
      expect(types.at(-1)).toBe('response.completed');
      expect(await proc.exited).toBe(0);
      // New connections are refused after shutdown.
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('exits non-zero with a clear message when the upstream never becomes ready', async () => {
    const closed = await freePort();
    const proc = spawnCli(['serve', '--upstream', `http://127.0.0.1:${closed}/v1`, '--upstream-ready-timeout', '1', '--upstream-ready-interval', '0.2', '--gateway-port', String(await freePort())], {
      VR_DB_PATH: `sqlite:///${join(dir, 'timeout.db')}`,
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toMatch(/was not ready after 1s/);
  });

  it.each([
    [[], /no upstream configured/],
    [['--upstream', 'ftp://x'], /--upstream must be an http\(s\) URL/],
    [['--upstream', 'http://x', '--gateway-port', '70000'], /--gateway-port must be a port number/],
    [['--upstream', 'http://x', '--upstream-api-kind', 'grpc'], /--upstream-api-kind must be one of chat_completions, responses/],
    [['--upstream', 'http://x', '--upstream-ready-timeout', '-3'], /--upstream-ready-timeout must be a positive number/],
    [['--upstream', 'http://x', '--gateway-workers', '0'], /--gateway-workers must be an integer between 1/],
    [['--upstream', 'http://x', '--code-interpreter', 'maybe'], /--code-interpreter must be one of spawn, external, disabled/],
    [['--upstream', 'http://x', '--bogus-flag'], /unknown option '--bogus-flag'/],
  ])('rejects bad flags fast: %j', async (args, message) => {
    const proc = spawnCli(['serve', ...args]);
    const code = await proc.exited;
    expect(code).not.toBe(0);
    expect(proc.output()).toMatch(message);
  });

  it('fails fast on an invalid VR_DB_PATH', async () => {
    const proc = spawnCli(['serve', '--upstream', upstream.url], { VR_DB_PATH: 'mysql://nope' });
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toMatch(/VR_DB_PATH|mysql/);
  });

  it('--help documents every flag', async () => {
    const proc = spawnCli(['serve', '--help']);
    expect(await proc.exited).toBe(0);
    for (const flag of [
      '--upstream ',
      '--upstream-api-kind',
      '--upstream-ready-timeout',
      '--upstream-ready-interval',
      '--gateway-host',
      '--gateway-port',
      '--gateway-workers',
      '--web-search-profile',
      '--code-interpreter ',
      '--code-interpreter-port',
      '--code-interpreter-workers',
      '--code-interpreter-startup-timeout',
      '--code-interpreter-egress-policy',
      '--mcp-config',
      '--mcp-port',
      '--max-body-bytes',
    ]) {
      expect(proc.output()).toContain(flag);
    }
    // Each gateway tool's VR_* variables come from its plugin, after the gateway's own.
    for (const name of ['VR_DB_PATH', 'VR_API_KEYS', 'VR_PYODIDE_CACHE_DIR', 'VR_WEB_SEARCH_*', 'VR_MCP_*']) expect(proc.output()).toContain(`  ${name} `);
  });
});
