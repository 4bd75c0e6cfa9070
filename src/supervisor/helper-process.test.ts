import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkExternalHelper, HelperProcess } from './helper-process.js';

// A stand-in helper: serves GET /health on the port given as argv[2] after argv[3] ms.
const dir = mkdtempSync(join(tmpdir(), 'vr-helper-'));
const script = join(dir, 'fake-helper.mjs');
writeFileSync(
  script,
  `import { createServer } from 'node:http';
const [port, delay] = process.argv.slice(2).map(Number);
setTimeout(() => createServer((req, res) => res.end('{}')).listen(port, '127.0.0.1'), delay);
console.log('fake helper up');
process.on('SIGTERM', () => process.exit(0));`,
);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const running: HelperProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

function helper(port: number, args: string[], extra: Partial<ConstructorParameters<typeof HelperProcess>[0]> = {}) {
  const logs: string[] = [];
  const h = new HelperProcess({
    name: 'fake helper',
    script,
    args,
    healthUrl: `http://127.0.0.1:${port}/health`,
    startupTimeoutMs: 5000,
    healthIntervalMs: 50,
    restartInitialDelayMs: 50,
    log: (l) => logs.push(l),
    onOutput: (l) => logs.push(l),
    ...extra,
  });
  running.push(h);
  return { h, logs };
}

describe('HelperProcess', () => {
  it('starts, waits for health, and restarts the child when it dies', async () => {
    const port = await freePort();
    const { h, logs } = helper(port, [String(port), '100']);
    await h.start();
    await checkExternalHelper(`http://127.0.0.1:${port}/health`, 1000);
    const firstPid = h.pid;
    process.kill(firstPid as number, 'SIGKILL');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && h.restarts === 0) await new Promise((r) => setTimeout(r, 50));
    expect(h.restarts).toBe(1);
    expect(h.pid).not.toBe(firstPid);
    expect(logs.some((l) => l.includes('exited unexpectedly'))).toBe(true);
    await checkExternalHelper(`http://127.0.0.1:${port}/health`, 1000);
  });

  it('fails with a clear error and kills the child when health never answers', async () => {
    const port = await freePort();
    const { h } = helper(port, [String(port), '60000'], { startupTimeoutMs: 2000 });
    await expect(h.start()).rejects.toThrow(/did not become healthy .* within 2000 ms[\s\S]*fake helper up/);
    expect(h.pid).toBeUndefined();
  });

  it('reports a child that exits before becoming healthy', async () => {
    const port = await freePort();
    const { h } = helper(port, ['not-a-port', '0'], { script: join(dir, 'missing.mjs') });
    await expect(h.start()).rejects.toThrow(/exited \(code 1\) before becoming healthy/);
  });

  it('stops the child with SIGTERM and does not restart it', async () => {
    const port = await freePort();
    const { h } = helper(port, [String(port), '0']);
    await h.start();
    const pid = h.pid as number;
    await h.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(h.restarts).toBe(0);
  });

  it('checkExternalHelper explains an unreachable helper', async () => {
    await expect(checkExternalHelper('http://127.0.0.1:1/health', 300)).rejects.toThrow(/external helper at .* is not healthy after 300 ms/);
  });
});
