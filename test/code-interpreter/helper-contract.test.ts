// The helper's HTTP contract (README, "Built-in tool: code_interpreter") against one in-process server with one runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../../src/helpers/code-interpreter-server/server.js';
import { getHealth, runPython } from './http.js';

let server: CodeInterpreterServer;

beforeAll(async () => {
  process.env.VR_TEST_SECRET = 'do-not-leak-42';
  server = await startCodeInterpreterServer({ port: 0, workers: 0, timeoutMs: 1500 });
});
afterAll(async () => {
  await server?.close();
});

describe('code interpreter helper contract', { timeout: 120_000 }, () => {
  it('reports health without pool counts for workers=0', async () => {
    const { status, body } = await getHealth(server.port);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', pyodide_loaded: true });
    expect(typeof body.uptime_seconds).toBe('number');
    expect(typeof body.execution_count).toBe('number');
    expect(body.ready_worker_count).toBeUndefined();
  });

  it('runs code: stdout, stderr and the final expression', async () => {
    const r = await runPython(server, 'import sys\nprint("out")\nprint("err", file=sys.stderr)\n6 * 7');
    expect(r).toMatchObject({ status: 'success', stdout: 'out\n', stderr: 'err\n', result: '42' });
    expect(typeof r.execution_time_ms).toBe('number');
    expect((await runPython(server, 'x = 1')).result).toBeNull();
    expect((await runPython(server, "'a'")).result).toBe("'a'");
  });

  it('returns Python exceptions as status "exception" with the traceback', async () => {
    const r = await runPython(server, 'def f():\n    raise ValueError("boom")\nf()');
    expect(r.status).toBe('exception');
    expect(r.error).toContain('Traceback');
    expect(r.error).toContain('ValueError: boom');
    expect(r.error).toContain('File "<code>", line 3');
    const syntax = await runPython(server, 'def (');
    expect(syntax.status).toBe('exception');
    expect(syntax.error).toContain('SyntaxError');
  });

  it('gives every call fresh globals', async () => {
    await runPython(server, 'leftover = 123');
    const r = await runPython(server, "'leftover' in globals()");
    expect(r.result).toBe('False');
  });

  it('refuses calls without the helper token (only /health is open)', async () => {
    const url = `http://127.0.0.1:${server.port}`;
    for (const headers of [{}, { 'x-vr-helper-token': 'wrong' }, { 'x-vr-helper-token': `${server.token}x` }] as Record<string, string>[]) {
      const res = await fetch(`${url}/python`, { method: 'POST', headers, body: JSON.stringify({ code: 'print(1)' }) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).error.message).toMatch(/token/);
      expect((await fetch(`${url}/containers/default`, { headers })).status).toBe(401);
    }
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('rejects bad requests with 400 JSON errors', async () => {
    const url = `http://127.0.0.1:${server.port}/python`;
    for (const body of ['{}', '{"code": 5}', 'not json', '{"code": "1", "container_id": "../x"}']) {
      const res = await fetch(url, { method: 'POST', body, headers: { 'x-vr-helper-token': server.token } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.message).toBeTruthy();
    }
    const big = await fetch(url, { method: 'POST', body: JSON.stringify({ code: '#'.repeat(2 * 1024 * 1024) }), headers: { 'x-vr-helper-token': server.token } });
    expect(big.status).toBe(413);
  });

  it('caps stdout and the result with a truncation note', async () => {
    const r = await runPython(server, 'print("x" * 200_000)\n"y" * 200_000');
    expect(r.stdout.length).toBeLessThan(70 * 1024);
    expect(r.stdout).toContain('[output truncated:');
    expect(r.result).toContain('[output truncated:');
  });

  it('returns PNG images from display_png', async () => {
    const code = [
      'import zlib, struct',
      'def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)',
      'raw = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 4 for _ in range(4))',
      'png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")',
      'display_png(png)',
    ].join('\n');
    const r = await runPython(server, code);
    expect(r.status).toBe('success');
    expect(r.images).toHaveLength(1);
    expect(r.images[0].type).toBe('image');
    expect(r.images[0].url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    const bad = await runPython(server, 'display_png(b"not a png")');
    expect(bad.status).toBe('exception');
  });

  it('explains how to get packages that are not available offline', async () => {
    const r = await runPython(server, 'import numpy');
    expect(r.status).toBe('exception');
    expect(r.error).toContain('ModuleNotFoundError');
    expect(r.error).toContain('VR_PYODIDE_CACHE_DIR');
    expect(r.error).toMatch(/pyodide-\d+\.\d+\.\d+\.tar\.bz2/);
  });

  it('gives Python no access to host files, env vars or Node globals', async () => {
    const passwd = await runPython(server, "open('/etc/passwd').read()");
    expect(passwd.status).toBe('exception');
    expect(passwd.error).toContain('FileNotFoundError');
    const env = await runPython(server, 'import os\nrepr(dict(os.environ))');
    expect(env.result).not.toContain('do-not-leak-42');
    expect(env.result).not.toContain(process.env.PATH ?? '/usr/bin');
    const js = await runPython(server, 'import js\njs.process');
    expect(js.status).toBe('exception');
    expect(js.error).toContain('AttributeError');
    const fn = await runPython(server, 'import pyodide_js\npyodide_js.constructor.constructor("return process")()');
    expect(fn.status).toBe('exception');
    expect(fn.error).toContain('Code generation from strings disallowed');
    const mount = await runPython(server, 'import pyodide_js\npyodide_js.mountNodeFS("/mnt", "/")');
    expect(mount.status).toBe('exception');
    const read = await runPython(server, 'import pyodide_js\npyodide_js._api.loadBinaryFile("/etc/passwd")');
    expect(read.status).toBe('exception');
  });

  it('bounds memory: a runaway allocation is a MemoryError, not a dead helper', async () => {
    const r = await runPython(server, 'x = bytearray(1500 * 1024 ** 2)');
    expect(r.status).toBe('exception');
    expect(r.error).toContain('MemoryError');
    expect((await runPython(server, '1 + 1')).result).toBe('2');
  });

  it('stops a busy loop at the timeout and keeps serving', async () => {
    const r = await runPython(server, 'while True: pass');
    expect(r.status).toBe('error');
    expect(r.error).toMatch(/timed out after 1\.5 s/);
    expect((await runPython(server, 'print("still here")')).stdout).toBe('still here\n');
  });

  it('replaces the runtime when time.sleep cannot be interrupted', async () => {
    const r = await runPython(server, 'import time\ntime.sleep(1000)');
    expect(r.status).toBe('error');
    expect(r.error).toContain('stopped and replaced');
    const after = await runPython(server, '2 + 2');
    expect(after).toMatchObject({ status: 'success', result: '4' });
  });

  it('replaces a crashed runtime and reports the failed call', async () => {
    const r = await runPython(server, 'import os\nos._exit(3)');
    expect(r.status).toBe('error');
    expect(r.error).toContain('runtime');
    const after = await runPython(server, '3 + 3');
    expect(after).toMatchObject({ status: 'success', result: '6' });
    expect((await getHealth(server.port)).body.execution_count).toBeGreaterThan(10);
  });
});
