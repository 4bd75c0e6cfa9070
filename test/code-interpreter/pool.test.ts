// Pool of two runtimes: parallel execution, health counts, degraded while one is replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../../src/helpers/code-interpreter-server/server.js';
import { getHealth, runPython } from './http.js';

let server: CodeInterpreterServer;
const busySecond = 'import time\nt = time.time()\nwhile time.time() - t < 1.0: pass\n"done"';

beforeAll(async () => {
  server = await startCodeInterpreterServer({ port: 0, workers: 2, timeoutMs: 1500, interruptGraceMs: 300 });
});
afterAll(async () => {
  await server?.close();
});

describe('runtime pool (workers=2)', () => {
  it('reports both runtimes ready', async () => {
    const { body } = await getHealth(server.port);
    expect(body).toMatchObject({ status: 'healthy', ready_worker_count: 2, configured_worker_count: 2 });
  });

  it('runs two long calls in parallel', async () => {
    const t0 = performance.now();
    expect((await runPython(server.port, busySecond)).result).toBe("'done'");
    const single = performance.now() - t0;
    const t1 = performance.now();
    const results = await Promise.all([runPython(server.port, busySecond), runPython(server.port, busySecond)]);
    const both = performance.now() - t1;
    expect(results.map((r) => r.result)).toEqual(["'done'", "'done'"]);
    expect(both).toBeLessThan(single * 1.7);
  });

  it('queues calls beyond the pool size (FIFO) and runs them all', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => runPython(server.port, `${n} * 10`)));
    expect(results.map((r) => r.result)).toEqual(['10', '20', '30', '40', '50']);
  });

  it('is degraded while a terminated runtime is being replaced, then healthy again', async () => {
    const r = await runPython(server.port, 'import time\ntime.sleep(100)');
    expect(r.status).toBe('error');
    const during = await getHealth(server.port);
    expect(during.body).toMatchObject({ status: 'degraded', ready_worker_count: 1, configured_worker_count: 2 });
    // The surviving runtime keeps serving meanwhile.
    expect((await runPython(server.port, '7')).result).toBe('7');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await getHealth(server.port)).body.status !== 'healthy') await new Promise((res) => setTimeout(res, 200));
    expect((await getHealth(server.port)).body.status).toBe('healthy');
  });
});
