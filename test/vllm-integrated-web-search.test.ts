// `vllm serve MODEL --responses --responses-web-search-profile …` turns web_search on in
// integrated mode (fake Python vLLM first on PATH, as in vllm-integrated.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHttp } from './support/cli.js';
import { spawnVllm } from './support/vllm-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-vllm-ws-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function requestWithWebSearch(extra: string[]): Promise<{ status: number; output: string }> {
  const port = await freePort();
  const proc = spawnVllm(['serve', 'fake/model-7b', '--responses', '--host', '127.0.0.1', '--port', String(port), '--responses-code-interpreter', 'disabled', ...extra], {
    VR_DB_PATH: `sqlite:///${join(dir, `${port}.db`)}`,
    // Never leave loopback, even if the fake model did search.
    VR_WEB_SEARCH_DDG_URL: 'http://127.0.0.1:1/html/',
    // A declared tool that is off is a 400 naming it (the default `omit` would leave it out).
    VR_UNAVAILABLE_BUILTIN_TOOLS: 'reject',
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
    const res = await fetch(`http://127.0.0.1:${port}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake/model-7b', input: 'ping', tools: [{ type: 'web_search' }] }),
    });
    await res.arrayBuffer();
    const output = proc.output();
    proc.child.kill('SIGTERM');
    await proc.exited;
    return { status: res.status, output };
  } finally {
    proc.child.kill('SIGKILL');
  }
}

describe('integrated mode: --responses-web-search-profile', () => {
  it('enables web_search and says so in the start-up summary', async () => {
    const { status, output } = await requestWithWebSearch(['--responses-web-search-profile', 'duckduckgo_plus_fetch']);
    expect(status).toBe(200);
    expect(output).toMatch(/web_search on \(duckduckgo_plus_fetch\)/);
  }, 60_000);

  it('leaves it off (400) without the flag', async () => {
    const { status, output } = await requestWithWebSearch([]);
    expect(status).toBe(400);
    expect(output).toMatch(/web_search off/);
  }, 60_000);
});
