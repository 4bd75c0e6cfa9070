// The helper's HTTP contract (README, "Built-in tool: code_interpreter") against one in-process server with one runtime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../../src/helpers/code-interpreter-server/server.js';
import { getHealth, runPython } from './http.js';

let server: CodeInterpreterServer;

beforeAll(async () => {
  process.env.VR_TEST_SECRET = 'do-not-leak-42';
  server = await startCodeInterpreterServer({ port: 0, workers: 0, timeoutMs: 1500, interruptGraceMs: 1000 });
});
afterAll(async () => {
  await server?.close();
});

describe('code interpreter helper contract', () => {
  it('reports health without pool counts for workers=0', async () => {
    const { status, body } = await getHealth(server.port);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', pyodide_loaded: true });
    expect(typeof body.uptime_seconds).toBe('number');
    expect(typeof body.execution_count).toBe('number');
    expect(body.ready_worker_count).toBeUndefined();
  });

  it('runs code: stdout, stderr and the final expression', async () => {
    const r = await runPython(server.port, 'import sys\nprint("out")\nprint("err", file=sys.stderr)\n6 * 7');
    expect(r).toMatchObject({ status: 'success', stdout: 'out\n', stderr: 'err\n', result: '42' });
    expect(typeof r.execution_time_ms).toBe('number');
    expect((await runPython(server.port, 'x = 1')).result).toBeNull();
    expect((await runPython(server.port, "'a'")).result).toBe("'a'");
  });

  it('returns Python exceptions as status "exception" with the traceback', async () => {
    const r = await runPython(server.port, 'def f():\n    raise ValueError("boom")\nf()');
    expect(r.status).toBe('exception');
    expect(r.error).toContain('Traceback');
    expect(r.error).toContain('ValueError: boom');
    expect(r.error).toContain('File "<code>", line 3');
    const syntax = await runPython(server.port, 'def (');
    expect(syntax.status).toBe('exception');
    expect(syntax.error).toContain('SyntaxError');
  });

  it('gives every call fresh globals', async () => {
    await runPython(server.port, 'leftover = 123');
    const r = await runPython(server.port, "'leftover' in globals()");
    expect(r.result).toBe('False');
  });

  it('rejects bad requests with 400 JSON errors', async () => {
    const url = `http://127.0.0.1:${server.port}/python`;
    for (const body of ['{}', '{"code": 5}', 'not json']) {
      const res = await fetch(url, { method: 'POST', body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.message).toBeTruthy();
    }
    const big = await fetch(url, { method: 'POST', body: JSON.stringify({ code: '#'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
  });

  it('caps stdout and the result with a truncation note', async () => {
    const r = await runPython(server.port, 'print("x" * 200_000)\n"y" * 200_000');
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
    const r = await runPython(server.port, code);
    expect(r.status).toBe('success');
    expect(r.images).toHaveLength(1);
    expect(r.images[0].type).toBe('image');
    expect(r.images[0].url).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    const bad = await runPython(server.port, 'display_png(b"not a png")');
    expect(bad.status).toBe('exception');
  });

  it('explains how to get packages that are not available offline', async () => {
    const r = await runPython(server.port, 'import numpy');
    expect(r.status).toBe('exception');
    expect(r.error).toContain('ModuleNotFoundError');
    expect(r.error).toContain('VR_PYODIDE_CACHE_DIR');
    expect(r.error).toMatch(/pyodide-\d+\.\d+\.\d+\.tar\.bz2/);
  });

  it('gives Python no access to host files, env vars or Node globals', async () => {
    const passwd = await runPython(server.port, "open('/etc/passwd').read()");
    expect(passwd.status).toBe('exception');
    expect(passwd.error).toContain('FileNotFoundError');
    const env = await runPython(server.port, 'import os\nrepr(dict(os.environ))');
    expect(env.result).not.toContain('do-not-leak-42');
    expect(env.result).not.toContain(process.env.PATH ?? '/usr/bin');
    const js = await runPython(server.port, 'import js\njs.process');
    expect(js.status).toBe('exception');
    expect(js.error).toContain('AttributeError');
    const fn = await runPython(server.port, 'import pyodide_js\npyodide_js.constructor.constructor("return process")()');
    expect(fn.status).toBe('exception');
    expect(fn.error).toContain('Code generation from strings disallowed');
    const mount = await runPython(server.port, 'import pyodide_js\npyodide_js.mountNodeFS("/mnt", "/")');
    expect(mount.status).toBe('exception');
    const read = await runPython(server.port, 'import pyodide_js\npyodide_js._api.loadBinaryFile("/etc/passwd")');
    expect(read.status).toBe('exception');
    expect(read.error).toContain('not allowed in the sandbox');
  });

  it('bounds memory: a runaway allocation is a MemoryError, not a dead helper', async () => {
    const r = await runPython(server.port, 'x = bytearray(1500 * 1024 ** 2)');
    expect(r.status).toBe('exception');
    expect(r.error).toContain('MemoryError');
    expect((await runPython(server.port, '1 + 1')).result).toBe('2');
  });

  it('interrupts a busy loop at the timeout and keeps serving', async () => {
    const r = await runPython(server.port, 'while True: pass');
    expect(r.status).toBe('error');
    expect(r.error).toMatch(/timed out after 1\.5 s/);
    expect((await runPython(server.port, 'print("still here")')).stdout).toBe('still here\n');
  });

  it('replaces the runtime when time.sleep cannot be interrupted', async () => {
    const r = await runPython(server.port, 'import time\ntime.sleep(1000)');
    expect(r.status).toBe('error');
    expect(r.error).toContain('runtime was restarted');
    const after = await runPython(server.port, '2 + 2');
    expect(after).toMatchObject({ status: 'success', result: '4' });
  });

  it('replaces a crashed runtime and reports the failed call', async () => {
    const r = await runPython(server.port, 'import os\nos._exit(3)');
    expect(r.status).toBe('error');
    expect(r.error).toContain('runtime');
    const after = await runPython(server.port, '3 + 3');
    expect(after).toMatchObject({ status: 'success', result: '6' });
    expect((await getHealth(server.port)).body.execution_count).toBeGreaterThan(10);
  });
});
