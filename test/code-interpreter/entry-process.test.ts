// The compiled entry script run as a real process under HelperProcess supervision.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperProcess } from '../../src/supervisor/helper-process.js';
import { getHealth, runPython } from './http.js';

const ENTRY = resolve('dist/helpers/code-interpreter-server/entry.js');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

let helper: HelperProcess;
let port: number;
const token = 'entry-test-token-0123456789';
const lines: string[] = [];

beforeAll(async () => {
  try {
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  } catch {
    // Other parts of the tree may have type errors; tsc still emits, which is all we need.
  }
  if (!existsSync(ENTRY)) throw new Error(`build did not produce ${ENTRY}`);
  port = await freePort();
  helper = new HelperProcess({
    name: 'code interpreter',
    script: ENTRY,
    args: ['--port', String(port), '--workers', '1', '--timeout-ms', '2000'],
    env: { ...process.env, VR_CODE_INTERPRETER_TOKEN: token },
    healthUrl: `http://127.0.0.1:${port}/health`,
    startupTimeoutMs: 60_000,
    log: (l) => lines.push(l),
    onOutput: (l) => lines.push(l),
  });
  await helper.start();
}, 120_000);
afterAll(async () => {
  await helper?.stop();
});

describe('code interpreter entry process', { timeout: 120_000 }, () => {
  it('logs the Pyodide load time as one JSON line and serves the contract', async () => {
    const loaded = lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((o) => o?.event === 'pyodide_loaded');
    expect(loaded.pyodide_load_ms).toBeGreaterThan(0);
    expect((await getHealth(port)).body).toMatchObject({ status: 'healthy', ready_worker_count: 1, configured_worker_count: 1 });
    const target = { port, token };
    expect(await runPython(target, 'print("hi")\n1 + 1')).toMatchObject({ status: 'success', stdout: 'hi\n', result: '2' });
    const t = await runPython(target, 'while True: pass');
    expect(t.status).toBe('error');
    expect((await runPython(target, '5')).result).toBe('5');
    // The token came through the environment and is not left there for anything to inherit.
    expect((await runPython({ port, token: 'wrong' }, '5')).error.message).toMatch(/token/);
  });

  it('refuses to start without a token', async () => {
    const env = { ...process.env };
    delete env.VR_CODE_INTERPRETER_TOKEN;
    const bad = new HelperProcess({
      name: 'code interpreter',
      script: ENTRY,
      args: ['--port', String(await freePort())],
      env,
      healthUrl: 'http://127.0.0.1:1/health',
      startupTimeoutMs: 30_000,
      log: () => undefined,
      onOutput: () => undefined,
    });
    await expect(bad.start()).rejects.toThrow(/VR_CODE_INTERPRETER_TOKEN must be set/);
  });

  it('fails start-up with a clear message on an invalid egress policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-ci-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ mode: 'sometimes' }));
    const bad = new HelperProcess({
      name: 'code interpreter',
      script: ENTRY,
      args: ['--port', String(await freePort()), '--egress-policy', policy],
      env: { ...process.env, VR_CODE_INTERPRETER_TOKEN: token },
      healthUrl: 'http://127.0.0.1:1/health',
      startupTimeoutMs: 30_000,
      log: () => undefined,
      onOutput: () => undefined,
    });
    await expect(bad.start()).rejects.toThrow(/invalid egress policy file .*mode/);
  });

  it('stops on SIGTERM', async () => {
    const pid = helper.pid;
    expect(pid).toBeDefined();
    await helper.stop();
    expect(() => process.kill(pid as number, 0)).toThrow();
  });
});
