import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChunkedDestination, PIPE_BUF } from './log-destination.js';

/** A sink that records each chunk it is given. */
function recorder(): { chunks: string[]; write: (chunk: string, cb?: () => void) => void } {
  const chunks: string[] = [];
  return {
    chunks,
    write: (chunk, cb) => {
      chunks.push(chunk);
      cb?.();
    },
  };
}

async function eventually(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ChunkedDestination', () => {
  it('holds a lone line on a quiet destination, then writes it within flushMs', async () => {
    const sink = recorder();
    const destination = new ChunkedDestination(sink, { flushMs: 30 });
    const started = Date.now();
    destination.write('{"msg":"alone"}\n');
    expect(sink.chunks).toEqual([]);
    await eventually(() => sink.chunks.length > 0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(sink.chunks).toEqual(['{"msg":"alone"}\n']);
  });

  it('writes every line whole and in order, in chunks of at most PIPE_BUF bytes unless one line is longer', () => {
    const sink = recorder();
    const destination = new ChunkedDestination(sink, { flushMs: 10_000 });
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const filler = i % 500 === 7 ? 'x'.repeat(9000) : i % 3 === 0 ? 'é€😀'.repeat(i % 40) : 'a'.repeat(i % 300);
      lines.push(`${JSON.stringify({ i, filler })}\n`);
    }
    for (const line of lines) destination.write(line);
    destination.flushSync();
    expect(sink.chunks.join('')).toBe(lines.join(''));
    // Far fewer writes than lines, and a chunk is whole lines within PIPE_BUF (or one long line).
    expect(sink.chunks.length).toBeLessThan(lines.length / 5);
    for (const chunk of sink.chunks) {
      expect(chunk.endsWith('\n')).toBe(true);
      const bytes = Buffer.byteLength(chunk);
      if (bytes > PIPE_BUF) expect(chunk.indexOf('\n')).toBe(chunk.length - 1);
    }
  });

  it('flush and flushSync write what is held at once', () => {
    const sink = recorder();
    const destination = new ChunkedDestination(sink, { flushMs: 10_000 });
    destination.write('one\n');
    destination.flushSync();
    expect(sink.chunks).toEqual(['one\n']);
    destination.write('two\n');
    let called = false;
    destination.flush(() => (called = true));
    expect(sink.chunks).toEqual(['one\n', 'two\n']);
    expect(called).toBe(true);
  });
});

describe('a process logging through createLogger', () => {
  const LOGGER = fileURLToPath(new URL('../../dist/observability/logger.js', import.meta.url));
  const ERRORS = fileURLToPath(new URL('../../dist/observability/process-errors.js', import.meta.url));
  const run = (body: string): { stdout: string; status: number } => {
    const script = `import { createLogger } from ${JSON.stringify(LOGGER)};
      import { installProcessErrorHandlers } from ${JSON.stringify(ERRORS)};
      const logger = createLogger({ pretty: false, name: 'gateway' });
      ${body}`;
    try {
      return { stdout: execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }), status: 0 };
    } catch (err) {
      const e = err as { stdout: string; status: number };
      return { stdout: e.stdout, status: e.status };
    }
  };
  const messages = (stdout: string): string[] => stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);

  it('loses no line when it calls process.exit right after logging', () => {
    const { stdout, status } = run(`for (let i = 0; i < 500; i++) logger.info('line ' + i); process.exit(0);`);
    expect(status).toBe(0);
    expect(messages(stdout)).toEqual(Array.from({ length: 500 }, (_, i) => `line ${i}`));
  });

  it('writes the fatal line of an uncaught exception, after the lines before it', () => {
    const { stdout, status } = run(`installProcessErrorHandlers(logger);
      for (let i = 0; i < 50; i++) logger.info('line ' + i);
      setTimeout(() => { throw new Error('boom'); }, 5);`);
    expect(status).toBe(1);
    const seen = messages(stdout);
    expect(seen.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    expect(seen.at(-1)).toBe('uncaught exception: the process exits');
  });

  it('writes a quiet process’s last line when the event loop ends on its own', () => {
    const { stdout, status } = run(`logger.info('only line');`);
    expect(status).toBe(0);
    expect(messages(stdout)).toEqual(['only line']);
  });
});

describe('a process whose stdout reader goes away', () => {
  it('keeps running and exits normally (EPIPE ends logging quietly)', async () => {
    const logger = fileURLToPath(new URL('../../dist/observability/logger.js', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(logger)};
      const logger = createLogger({ pretty: false });
      const timer = setInterval(() => { for (let i = 0; i < 50; i++) logger.info('line ' + i); }, 5);
      setTimeout(() => { clearInterval(timer); console.error('still alive'); process.exit(0); }, 600);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close our end: the child's next writes fail with EPIPE.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    expect(stderr).toContain('still alive');
    expect(status).toBe(0);
  });
});

describe('a process logging to a file on stdout', () => {
  it('writes every line, the last ones at exit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-logdest-'));
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    try {
      const logger = fileURLToPath(new URL('../../dist/observability/logger.js', import.meta.url));
      const script = `import { createLogger } from ${JSON.stringify(logger)};
        const logger = createLogger({ pretty: false });
        for (let i = 0; i < 300; i++) logger.info('line ' + i);`;
      const { status } = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', fd, 'ignore'] });
      expect(status).toBe(0);
      const seen = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i}`));
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
