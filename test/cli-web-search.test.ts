import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnCli, waitForHttp } from './support/cli.js';
import { chunk, sendSse, startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startFakeDuckDuckGo, startPageServer, type LocalServer } from './support/web-search-servers.js';

let upstream: FakeUpstream;
let pages: LocalServer;
let ddg: Awaited<ReturnType<typeof startFakeDuckDuckGo>>;
let dir: string;

beforeAll(async () => {
  pages = await startPageServer();
  ddg = await startFakeDuckDuckGo(pages.url);
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-cli-ws-'));
  // Turn 1 searches, turn 2 opens the first result, turn 3 answers with the page's text.
  upstream.setChatHandler(async (req, res) => {
    const told = (req.body.messages as any[]).filter((m) => m.role === 'tool').map((m) => String(m.content));
    const call = (args: unknown) =>
      sendSse(res, [chunk({ tool_calls: [{ index: 0, id: `call_${told.length}`, type: 'function', function: { name: 'web_search', arguments: JSON.stringify(args) } }] }), chunk({}, 'tool_calls')]);
    if (told.length === 0) return call({ action: 'search', query: 'fed funds' });
    if (told.length === 1) return call({ action: 'open_page', url: /URL: (\S+)/.exec(told[0]!)![1] });
    return sendSse(res, [chunk({ content: told[1]!.split('\n').at(-1)! }), chunk({}, 'stop')]);
  });
});
afterAll(async () => {
  await Promise.all([upstream?.close(), pages?.close(), ddg?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('--web-search-profile through the real CLI', () => {
  it('duckduckgo_plus_fetch: every cluster worker searches and opens pages; the summary says so', async () => {
    const port = await freePort();
    const proc = spawnCli(
      ['serve', '--upstream', upstream.url, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--gateway-workers', '2', '--code-interpreter', 'disabled', '--web-search-profile', 'duckduckgo_plus_fetch'],
      { VR_DB_PATH: `sqlite:///${join(dir, 'ws.db')}`, VR_WEB_SEARCH_DDG_URL: ddg.url, VR_WEB_SEARCH_ALLOW_LOOPBACK_FOR_TESTS: '1' },
    );
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 60_000);
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      // Several requests, so both workers (which share the port) are very likely exercised.
      for (let i = 0; i < 4; i++) {
        const r = await client.responses.create({ model: 'fake-model', input: 'rate?', tools: [{ type: 'web_search' }] });
        expect(r.output.map((o) => o.type)).toEqual(['web_search_call', 'web_search_call', 'message']);
        expect(r.output.slice(0, 2).map((o: any) => [o.status, o.action.type])).toEqual([
          ['completed', 'search'],
          ['completed', 'open_page'],
        ]);
        expect(r.output_text).toBe('The federal funds target range is 3.50%–3.75%.');
      }
      // The summary is printed once every worker is up; /health answers as soon as the first is.
      await expect.poll(() => proc.output(), { timeout: 60_000 }).toMatch(/web_search on \(duckduckgo_plus_fetch\)/);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 90_000);
});
