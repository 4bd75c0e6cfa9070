// Containers, limits and scheduling at the helper level: isolation between containers and
// principals, caps, idle expiry, file limits, the bounded queue and the per-principal cap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../../src/helpers/code-interpreter-server/server.js';
import { getHealth, runPython } from './http.js';

let server: CodeInterpreterServer;

beforeAll(async () => {
  server = await startCodeInterpreterServer({
    port: 0,
    workers: 2,
    timeoutMs: 20_000,
    containers: { spares: 2, maxPerPrincipal: 4 },
    scheduling: { maxQueued: 4, maxConcurrentPerPrincipal: 1 },
    files: { totalBytes: 256 * 1024, count: 40 },
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

const inC = (principal: string, id: string, create = true) => ({ principal, container_id: id, create });
const containerStatus = async (id: string, principal: string) =>
  (await fetch(`http://127.0.0.1:${server.port}/containers/${id}?principal=${principal}`, { headers: { 'x-vr-helper-token': server.token } })).status;

describe('containers', () => {
  it('keeps files and modules inside one container and out of every other', async () => {
    const setup = "open('/tmp/note.txt', 'w').write('p1 secret')\nimport sys\nsys.modules['planted'] = sys\nsys.addaudithook(lambda e, a: print('HOOK', e) if e == 'exec' else None)";
    expect((await runPython(server, setup, inC('p1', 'c_one'))).status).toBe('success');
    const same = await runPython(server, "import sys\nprint(open('/tmp/note.txt').read(), 'planted' in sys.modules)", inC('p1', 'c_one'));
    expect(same.stdout).toContain('p1 secret True');
    // Same principal, other container: a different runtime, nothing shared.
    const other = await runPython(server, "import sys, os\nprint(os.path.exists('/tmp/note.txt'), 'planted' in sys.modules)", inC('p1', 'c_two'));
    expect(other.stdout).toBe('False False\n');
    expect(other.stdout + other.stderr).not.toContain('HOOK');
    // Another principal naming p1's container: refused as not found, never run.
    const foreign = await fetch(`http://127.0.0.1:${server.port}/python`, {
      method: 'POST',
      headers: { 'x-vr-helper-token': server.token },
      body: JSON.stringify({ code: "print(open('/tmp/note.txt').read())", ...inC('p2', 'c_one') }),
    });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(await foreign.json())).not.toContain('p1 secret');
    expect(await containerStatus('c_one', 'p2')).toBe(404);
    expect(await containerStatus('c_one', 'p1')).toBe(200);
    // A container that is not known is never created implicitly when create is false.
    const missing = await fetch(`http://127.0.0.1:${server.port}/python`, {
      method: 'POST',
      headers: { 'x-vr-helper-token': server.token },
      body: JSON.stringify({ code: '1', ...inC('p1', 'c_never', false) }),
    });
    expect(missing.status).toBe(404);
  }, 120_000);

  it('limits the bytes and number of files a container writes; the next run is unaffected', async () => {
    const big = await runPython(server, "open('/tmp/big.bin', 'wb').write(b'x' * (512 * 1024))", inC('p3', 'c_files'));
    expect(big.status).toBe('exception');
    expect(big.error).toMatch(/No space left on device|Errno 28/);
    const many = await runPython(server, "for i in range(100):\n    open(f'/tmp/f{i}', 'w').close()", inC('p3', 'c_files'));
    expect(many.status).toBe('exception');
    expect(many.error).toMatch(/No space left on device|Errno 28/);
    expect((await runPython(server, "open('/tmp/small', 'w').write('ok')", inC('p3', 'c_files2'))).status).toBe('success');
  }, 120_000);

  it('refuses runs beyond the queue bound at once, and one principal cannot take every slot', async () => {
    // Warm the containers first, so the timing below is about scheduling, not runtime loading.
    for (const [p, c] of [['p4', 'c_a'], ['p4', 'c_b'], ['p5', 'c_e']] as const) expect((await runPython(server, '0', inC(p, c))).status).toBe('success');
    const slow = 'import time\ntime.sleep(4)\n"slept"';
    // p4 may run one at a time (per-principal cap 1); its other runs queue, at most 2 of them
    // (half the queue bound of 4), so the queue keeps room for other keys.
    const p4 = [runPython(server, slow, inC('p4', 'c_a')), runPython(server, slow, inC('p4', 'c_b')), runPython(server, slow, inC('p4', 'c_a'))];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await getHealth(server.port)).body.queued < 2) await new Promise((r) => setTimeout(r, 50));
    const refused = await runPython(server, '1', inC('p4', 'c_b'));
    expect(refused.status).toBe('error');
    expect(refused.error).toMatch(/busy/);
    // p5 gets the second slot while p4's runs wait: well before p4's first sleep ends.
    const t0 = performance.now();
    const p5 = await runPython(server, '"p5 ran"', inC('p5', 'c_e'));
    expect(p5.result).toBe("'p5 ran'");
    expect(performance.now() - t0).toBeLessThan(5_000);
    const results = await Promise.all(p4);
    expect(results.map((r) => r.result)).toEqual(["'slept'", "'slept'", "'slept'"]);
  }, 180_000);

  it('cancels a run whose caller disconnected: the runtime is killed at once', async () => {
    const ac = new AbortController();
    const loop = runPython(server, 'while True: pass', inC('p6', 'c_loop'), ac.signal).catch((e: unknown) => e);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await getHealth(server.port)).body.running === 0) await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await loop;
    const stopped = Date.now() + 5_000;
    while (Date.now() < stopped && (await getHealth(server.port)).body.running > 0) await new Promise((r) => setTimeout(r, 100));
    expect((await getHealth(server.port)).body).toMatchObject({ running: 0, queued: 0 });
  }, 120_000);
});
