// `vllm serve MODEL --responses` through the real compiled bin, with a fake Python vLLM first on
// PATH (test/support/fake-vllm/vllm), and `vllm …` without --responses handed over untouched.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServeCommand } from '../src/cli/serve-command.js';
import { freePort, waitForHttp, type CliProcess } from './support/cli.js';
import { alive, FAKE_VLLM_DIR, spawnVllm, VLLM_CLI_PATH } from './support/vllm-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vr-vllm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FakeInfo {
  pid: number;
  argv: string[];
  model: string;
  host: string;
  port: number;
}

async function startIntegrated(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<{ proc: CliProcess; base: string; info: FakeInfo }> {
  const port = await freePort();
  const proc = spawnVllm(
    ['serve', 'fake/model-7b', '--responses', '--host', '127.0.0.1', '--port', String(port), '--responses-code-interpreter', 'disabled', '--max-model-len', '4096', ...extraArgs],
    { VR_DB_PATH: `sqlite:///${join(dir, `${port}.db`)}`, ...env },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`, proc);
  const info = (await (await fetch(`${base}/vllm/fake/info`)).json()) as FakeInfo;
  return { proc, base, info };
}

async function waitGone(pid: number): Promise<void> {
  await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
}

describe('vllm serve --responses (integrated mode)', () => {
  it('serves the Responses API and vLLM\'s own API on one port, then stops both on SIGTERM', async () => {
    const { proc, base, info } = await startIntegrated();
    try {
      const out = proc.output();
      // vLLM's start-up output streamed through, before the gateway said it was serving.
      expect(out).toMatch(/Loading safetensors checkpoint shards: 3\/3 for fake\/model-7b/);
      expect(out.indexOf('Loading safetensors checkpoint shards: 1/3')).toBeLessThan(out.indexOf('[integrated] gateway listening on'));
      // vLLM got every non --responses argument, and a private loopback address.
      expect(info.argv.slice(0, 4)).toEqual(['serve', 'fake/model-7b', '--max-model-len', '4096']);
      expect(info.argv.join(' ')).not.toMatch(/--responses/);
      expect(info.host).toBe('127.0.0.1');
      expect(String(info.port)).not.toBe(new URL(base).port);

      const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
      const r1 = await client.responses.create({ model: 'fake/model-7b', input: 'ping' });
      expect(r1.output_text).toBe('You said: ping');
      const r2 = await client.responses.create({ model: 'fake/model-7b', input: 'again', previous_response_id: r1.id });
      expect(r2.output_text).toBe('You said: again');
      expect((await client.responses.retrieve(r1.id)).output_text).toBe('You said: ping');

      // vLLM's routes, proxied unchanged on the same port.
      expect((await client.models.list()).data.map((m) => m.id)).toEqual(['fake/model-7b']);
      const stream = await client.chat.completions.create({ model: 'fake/model-7b', stream: true, messages: [{ role: 'user', content: 'hi there' }] });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('You said: hi there');
      const tok = await fetch(`${base}/tokenize?echo=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'one two three' }) });
      expect(tok.headers.get('x-fake-vllm')).toBe('yes');
      expect(await tok.json()).toMatchObject({ tokens: [100, 101, 102], count: 3, echo_query: '?echo=1' });
      expect((await fetch(`${base}/no/such/vllm/route`)).status).toBe(404);

      // vLLM's /metrics under its own path; /metrics stays the gateway's.
      expect(await (await fetch(`${base}/vllm/metrics`)).text()).toMatch(/^vllm:num_requests_running\{model_name="fake\/model-7b"\} 0$/m);
      const gatewayMetrics = await (await fetch(`${base}/metrics`)).text();
      expect(gatewayMetrics).not.toMatch(/vllm:num_requests_running/);
      expect(gatewayMetrics).toMatch(/^vllm_responses_http_requests_total\{method="POST",route="\/v1\/responses",status="200"\} 2$/m);

      // A proxied stream in flight when SIGTERM arrives finishes: vLLM is stopped only after the drain.
      const slow = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fake-delay-ms': '150' },
        body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'slow but complete' }] }),
      });
      const reader = slow.body!.getReader();
      let body = new TextDecoder().decode((await reader.read()).value);
      proc.child.kill('SIGTERM');
      for (let r = await reader.read(); !r.done; r = await reader.read()) body += new TextDecoder().decode(r.value);
      expect(body).toContain('data: [DONE]');
      expect(await proc.exited).toBe(0);
      await waitGone(info.pid);
      expect(proc.output()).toMatch(/shutting down on SIGTERM/);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
      if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
    }
  });

  it('exits with vLLM\'s exit code when vLLM dies', async () => {
    const { proc, base, info } = await startIntegrated([], { FAKE_VLLM_EXIT_CODE: '3' });
    try {
      await fetch(`${base}/vllm/fake/exit`, { method: 'POST' });
      expect(await proc.exited).toBe(3);
      expect(proc.output()).toMatch(/\[integrated\] vLLM exited with code 3: stopping the gateway/);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
      if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
    }
  });

  it('fails clearly with vLLM\'s code when vLLM exits before it is ready', async () => {
    const proc = spawnVllm(['serve', 'm', '--responses', '--port', String(await freePort()), '--responses-code-interpreter', 'disabled'], {
      FAKE_VLLM_FAIL_AT_START: '4',
      VR_DB_PATH: `sqlite:///${join(dir, 'early.db')}`,
    });
    expect(await proc.exited).toBe(4);
    expect(proc.output()).toMatch(/CUDA out of memory \(simulated\)/);
    expect(proc.output()).toMatch(/\[integrated\] error: vLLM exited with code 4 before it was ready/);
  });

  it('kills a vLLM that ignores SIGTERM after the grace period (no orphan)', async () => {
    const { proc, info } = await startIntegrated([], { FAKE_VLLM_IGNORE_SIGTERM: '1', VR_VLLM_STOP_GRACE_SEC: '0.5' });
    try {
      proc.child.kill('SIGINT');
      expect(await proc.exited).toBe(0);
      await waitGone(info.pid);
      expect(proc.output()).toMatch(/ignoring SIGTERM/);
    } finally {
      proc.child.kill('SIGKILL');
      if (alive(info.pid)) process.kill(info.pid, 'SIGKILL');
    }
  });

  it.each([
    [['--headless'], /^\[integrated\] error: --headless cannot be combined with --responses/m],
    [['--api-server-count', '2'], /^\[integrated\] error: --api-server-count 2 cannot be combined with --responses/m],
    [['--responses-code-interpreter-workers', 'many'], /^\[integrated\] error: --responses-code-interpreter-workers must be an integer/m],
  ])('rejects %j before starting vLLM', async (extra, message) => {
    const proc = spawnVllm(['serve', 'm', '--responses', ...extra]);
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(message);
    expect(proc.output()).not.toMatch(/fake-vllm/);
  });

  it('--help lists the --responses-* flags and says where the rest goes', async () => {
    const proc = spawnVllm(['serve', '--responses', '--help']);
    expect(await proc.exited).toBe(0);
    const out = proc.output();
    for (const flag of [
      'upstream-api-kind', 'code-interpreter', 'code-interpreter-port', 'code-interpreter-workers', 'code-interpreter-startup-timeout',
      'code-interpreter-egress-policy', 'web-search-profile', 'mcp-config', 'mcp-port',
    ]) {
      expect(out).toContain(`--responses-${flag} `);
    }
    // Every `serve` option except those integrated mode decides itself (upstream, bind, workers),
    // the limit flags and the gateway tools' (and their helpers') flags included.
    const own = new Set(['--upstream', '--upstream-ready-timeout', '--upstream-ready-interval', '--gateway-host', '--gateway-port', '--gateway-workers']);
    const serveFlags = buildServeCommand().options.map((o) => o.long!).filter((f) => !own.has(f));
    expect(serveFlags).toContain('--max-body-bytes');
    for (const flag of serveFlags) expect(out).toContain(`--responses-${flag.slice(2)} `);
    // The VR_* variables, as `serve --help` lists them.
    for (const name of ['VR_DB_PATH', 'VR_API_KEYS', 'VR_BACKGROUND_*', 'VR_PYODIDE_CACHE_DIR', 'VR_WEB_SEARCH_*', 'VR_MCP_*']) expect(out).toContain(`  ${name}`);
    expect(out).toMatch(/Every other option is passed to vLLM unchanged/);
    expect(out).not.toMatch(/fake-vllm/);
  });
});

describe('vllm without --responses (hand-over to the real vLLM)', () => {
  it('passes arguments, stdout/stderr and the exit code through', async () => {
    const proc = spawnVllm(['bench', 'latency', '--model', 'x y', '--responses-mcp-port', '1'], { FAKE_VLLM_EXIT_CODE: '5' });
    expect(await proc.exited).toBe(5);
    expect(proc.output()).toContain('fake-vllm ["bench","latency","--model","x y","--responses-mcp-port","1"]\n');
    expect(proc.output()).toContain('fake-vllm: not serving');
  });

  it('keeps stdout byte-exact and separate from stderr', async () => {
    const child = spawn(process.execPath, [VLLM_CLI_PATH, '--version'], {
      env: { ...process.env, PATH: `${FAKE_VLLM_DIR}${delimiter}${process.env.PATH}` },
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(stdout).toBe('fake-vllm ["--version"]\n');
  });

  it('serves plain `vllm serve` as vLLM would, and stops with it on SIGTERM', async () => {
    const port = await freePort();
    const proc = spawnVllm(['serve', 'plain-model', '--host', '127.0.0.1', '--port', String(port)]);
    await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
    const info = (await (await fetch(`http://127.0.0.1:${port}/fake/info`)).json()) as FakeInfo;
    expect(info.argv).toEqual(['serve', 'plain-model', '--host', '127.0.0.1', '--port', String(port)]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    await waitGone(info.pid);
  });

  it('exits 127 with a clear message when no real vLLM is on PATH', async () => {
    const child = spawn(process.execPath, [VLLM_CLI_PATH, 'serve', 'm'], { env: { ...process.env, PATH: '/nonexistent' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise((r) => child.once('exit', r))).toBe(127);
    expect(err).toMatch(/cannot find the real vLLM/);
  });
});
