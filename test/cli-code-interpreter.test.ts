import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { chunk, sendSse, startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { freePort, spawnCli, waitForHttp } from './support/cli.js';

let upstream: FakeUpstream;
let dir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-cli-ci-'));
  // Turn 1 runs Python; turn 2 repeats what the tool returned.
  upstream.setChatHandler(async (req, res) => {
    const tool = (req.body.messages as any[]).find((m) => m.role === 'tool');
    if (!tool) {
      return sendSse(res, [
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'code_interpreter', arguments: '{"code":"print(sum(range(10)))"}' } }] }),
        chunk({}, 'tool_calls'),
      ]);
    }
    return sendSse(res, [chunk({ content: `tool said ${tool.content}` }), chunk({}, 'stop')]);
  });
});
afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function serveArgs(port: number, extra: string[]): string[] {
  return ['serve', '--upstream', upstream.url, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), ...extra];
}

describe('--code-interpreter through the real CLI', () => {
  it('spawn: starts the helper, runs code in a request, stops the helper on shutdown', async () => {
    const port = await freePort();
    const ciPort = await freePort();
    const proc = spawnCli(serveArgs(port, ['--code-interpreter', 'spawn', '--code-interpreter-port', String(ciPort), '--code-interpreter-workers', '1']), {
      VR_DB_PATH: `sqlite:///${join(dir, 'spawn.db')}`,
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 90_000);
      const health = (await (await fetch(`http://127.0.0.1:${ciPort}/health`)).json()) as any;
      expect(health).toMatchObject({ status: 'healthy', pyodide_loaded: true, ready_worker_count: 1, configured_worker_count: 1 });
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      const r = await client.responses.create({ model: 'fake-model', input: 'sum', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
      expect(r.output_text).toBe('tool said 45');
      expect(proc.output()).toMatch(/code interpreter spawned at http:\/\/127\.0\.0\.1:\d+/);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${ciPort}/health`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 120_000);

  it('external: uses a helper already running on the port, and fails fast when none is', async () => {
    const ciPort = await freePort();
    const missing = spawnCli(serveArgs(await freePort(), ['--code-interpreter', 'external', '--code-interpreter-port', String(ciPort), '--code-interpreter-startup-timeout', '1']), {
      VR_DB_PATH: `sqlite:///${join(dir, 'ext-missing.db')}`,
    });
    expect(await missing.exited).not.toBe(0);
    expect(missing.output()).toMatch(/not healthy/);

    const helper = await startCodeInterpreterServer({ host: '127.0.0.1', port: ciPort, workers: 0 });
    const port = await freePort();
    const proc = spawnCli(serveArgs(port, ['--code-interpreter', 'external', '--code-interpreter-port', String(ciPort)]), {
      VR_DB_PATH: `sqlite:///${join(dir, 'ext.db')}`,
    });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, 60_000);
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      const r = await client.responses.create({ model: 'fake-model', input: 'sum', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
      expect(r.output_text).toBe('tool said 45');
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      // The gateway does not own an external helper: it keeps running.
      expect((await fetch(`http://127.0.0.1:${ciPort}/health`)).status).toBe(200);
    } finally {
      proc.child.kill('SIGKILL');
      await helper.close();
    }
  }, 120_000);

  it('disabled: requests that use the tool get a 400 naming it', async () => {
    const port = await freePort();
    // A declared tool that is off is a 400 naming it (the default `omit` would leave it out).
    const proc = spawnCli(serveArgs(port, ['--code-interpreter', 'disabled']), { VR_DB_PATH: `sqlite:///${join(dir, 'off.db')}`, VR_UNAVAILABLE_BUILTIN_TOOLS: 'reject' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      const err = await client.responses.create({ model: 'fake-model', input: 'x', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as any).message).toMatch(/code_interpreter/);
      expect((err as any).param).toBe('tools[0].type');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });

  it('an invalid egress policy file fails start-up with a clear message', async () => {
    const policy = join(dir, 'bad-policy.json');
    writeFileSync(policy, JSON.stringify({ mode: 'sometimes' }));
    const proc = spawnCli(serveArgs(await freePort(), ['--code-interpreter-port', String(await freePort()), '--code-interpreter-egress-policy', policy]), {
      VR_DB_PATH: `sqlite:///${join(dir, 'policy.db')}`,
    });
    expect(await proc.exited).not.toBe(0);
    expect(proc.output()).toMatch(/egress policy/);
  }, 60_000);
});
