import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeInterpreterUnavailableError, createCodeInterpreterClient } from './client.js';

// A fake helper speaking the helper HTTP API of the README ("Built-in tool: code_interpreter").
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/health') return res.end(JSON.stringify({ status: 'healthy', pyodide_loaded: true, uptime_seconds: 1, execution_count: 0 }));
      const { code } = JSON.parse(body) as { code?: string };
      if (code === undefined) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ error: { message: '"code" is required' } }));
      }
      res.end(JSON.stringify({ status: 'success', stdout: code, stderr: '', result: null, execution_time_ms: 1 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
});
afterAll(() => server.close());

describe('code interpreter client', () => {
  it('executes code and reads health', async () => {
    const client = createCodeInterpreterClient(base);
    expect(await client.execute('print(1)')).toMatchObject({ status: 'success', stdout: 'print(1)' });
    expect((await client.health()).status).toBe('healthy');
    await client.close();
  });

  it('throws a clear error when the helper is down', async () => {
    const client = createCodeInterpreterClient('http://127.0.0.1:1');
    const err = await client.execute('1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodeInterpreterUnavailableError);
    expect((err as Error).message).toMatch(/code interpreter helper at http:\/\/127\.0\.0\.1:1 is unreachable/);
    await client.close();
  });

  it('honours the abort signal', async () => {
    const client = createCodeInterpreterClient(base);
    const ac = new AbortController();
    ac.abort();
    await expect(client.execute('1', { signal: ac.signal })).rejects.toThrow();
    await client.close();
  });
});
