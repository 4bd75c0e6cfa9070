import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { startReplayServer, type ReplayServer } from './chat-completions/__fixtures__/replay-server.js';
import { readAnswerText } from './chat-completions/read-answer.js';
import { createUpstreamClient, normalizeBaseUrl, readBodyText, type UpstreamClient } from './http-client.js';

let server: ReplayServer | null = null;
let client: UpstreamClient | null = null;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = null;
  server = null;
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('normalizeBaseUrl', () => {
  it.each([
    ['http://h:8000', 'http://h:8000/v1'],
    ['http://h:8000/', 'http://h:8000/v1'],
    ['http://h:8000/v1', 'http://h:8000/v1'],
    ['http://h:8000/v1/', 'http://h:8000/v1'],
    ['https://api.example.test/openai', 'https://api.example.test/openai/v1'],
    ['https://api.example.test/openai/v1//', 'https://api.example.test/openai/v1'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeBaseUrl(input).href).toBe(expected);
  });

  it('rejects non-http URLs', () => {
    expect(() => normalizeBaseUrl('ftp://h')).toThrow(/http/);
    expect(() => normalizeBaseUrl('not a url')).toThrow(/Invalid upstream URL/);
  });
});

describe('createUpstreamClient', () => {
  it('sends requests under /v1 with our bearer key replacing any client key, and streams the body back', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end('hello');
    });
    client = createUpstreamClient({ baseUrl: `${server.url}/`, apiKey: 'sk-gw' });
    expect(client.baseUrl).toBe(`${server.url}/v1`);
    const res = await client.request('POST', '/chat/completions?x=1', { body: '{"a":1}', headers: { Authorization: 'Bearer client', 'content-type': 'application/json' } });
    expect(res.status).toBe(201);
    expect(res.headers['x-upstream']).toBe('yes');
    expect(await readBodyText(res.body)).toBe('hello');
    const seen = server.requests[0]!;
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/chat/completions?x=1', body: '{"a":1}' });
    expect(seen.headers.authorization).toBe('Bearer sk-gw');
  });

  it('forwards the client authorization untouched when no key is configured', async () => {
    server = await startReplayServer((_req, res) => void res.end("{}"));
    client = createUpstreamClient({ baseUrl: server.url });
    await readBodyText((await client.request('GET', 'models', { headers: { authorization: 'Bearer c' } })).body);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer c');
    expect(server.requests[0]!.url).toBe('/v1/models');
  });

  it('maps connection refused to 502 upstream_unavailable', async () => {
    client = createUpstreamClient({ baseUrl: `http://127.0.0.1:${await closedPort()}` });
    const err = await client.request('GET', '/models').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502, code: 'upstream_unavailable', type: 'upstream_error' });
    expect((err as Error).message).toContain('connection refused');
  });

  it('maps a server that never answers to 504 upstream_timeout', async () => {
    server = await startReplayServer(() => {}); // accepts, never responds
    client = createUpstreamClient({ baseUrl: server.url, firstByteTimeoutMs: 150 });
    await expect(client.request('GET', '/models')).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('maps a stalled body to 504 while reading', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    client = createUpstreamClient({ baseUrl: server.url, idleTimeoutMs: 150 });
    const res = await client.request('GET', '/models');
    await expect(readBodyText(res.body)).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
  });

  it('headers at once but no first byte of the body: 504 after the first-byte deadline', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
    });
    client = createUpstreamClient({ baseUrl: server.url, firstByteTimeoutMs: 150, idleTimeoutMs: 60_000 });
    const res = await client.request('GET', '/models');
    const err = await readBodyText(res.body).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect((err as Error).message).toContain('no answer within');
  });

  it('a body arriving in pieces closer together than the idle deadline is read to its end', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200);
      let sent = 0;
      const timer = setInterval(() => {
        res.write(String(sent % 10));
        if (++sent === 10) {
          clearInterval(timer);
          res.end();
        }
      }, 30);
      res.on('close', () => clearInterval(timer));
    });
    // Longer than the first-byte and idle deadlines in all, never silent for either.
    client = createUpstreamClient({ baseUrl: server.url, firstByteTimeoutMs: 120, idleTimeoutMs: 120 });
    const res = await client.request('GET', '/models');
    await expect(readBodyText(res.body)).resolves.toBe('0123456789');
  });

  it('a body that begins after an idle period (within the first-byte deadline), then stalls: the stall is reported', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
      const timer = setTimeout(() => res.write('late'), 250);
      res.on('close', () => clearTimeout(timer));
    });
    client = createUpstreamClient({ baseUrl: server.url, firstByteTimeoutMs: 2000, idleTimeoutMs: 100 });
    const res = await client.request('GET', '/models');
    const err = await readBodyText(res.body).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect((err as Error).message).toContain('stalled for 0.1s');
  });

  it('a trickle (one byte every 20 ms, never idle) hits the total deadline', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('x')), 20);
      res.on('close', () => clearInterval(timer));
    });
    client = createUpstreamClient({ baseUrl: server.url, idleTimeoutMs: 1000, totalTimeoutMs: 300 });
    const res = await client.request('GET', '/models');
    const err = await readBodyText(res.body).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect((err as Error).message).toContain('in total');
  });

  it('an endless body is cut at the output byte cap (502 upstream_output_too_large)', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200);
      const piece = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && res.write(piece));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    client = createUpstreamClient({ baseUrl: server.url, maxOutputBytes: 256 * 1024 });
    const res = await client.request('GET', '/models');
    await expect(readBodyText(res.body, 1024)).rejects.toMatchObject({ status: 502, code: 'upstream_output_too_large' });
  });

  it('rethrows the caller abort instead of converting it into a 502', async () => {
    server = await startReplayServer(() => {});
    client = createUpstreamClient({ baseUrl: server.url });
    const controller = new AbortController();
    const pending = client.request('GET', '/models', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await pending.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as Error).name).toBe('AbortError');
    await server.clientAborted;
  });

  it('getModels parses JSON and keeps upstream error statuses', async () => {
    let status = 200;
    server = await startReplayServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"object":"list","data":[{"id":"m"}]}' : '{"object":"error","message":"Unauthorized","type":"Unauthorized","code":401}');
    });
    client = createUpstreamClient({ baseUrl: server.url });
    expect(await client.getModels()).toEqual({ object: 'list', data: [{ id: 'm' }] });
    status = 401;
    await expect(client.getModels()).rejects.toMatchObject({ status: 401, message: 'Unauthorized' });
  });

  it('reuses a keep-alive connection across requests', async () => {
    const sockets = new Set<unknown>();
    server = await startReplayServer((_req, res, raw) => {
      sockets.add(raw.socket);
      res.end('{}');
    });
    client = createUpstreamClient({ baseUrl: server.url });
    for (let i = 0; i < 10; i++) await client.getModels();
    // undici may open a second socket while the first is being released; never one per request.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('drops hop-by-hop headers and a stale content-length handed over by a passthrough caller', async () => {
    server = await startReplayServer((_req, res) => void res.end('ok'));
    client = createUpstreamClient({ baseUrl: server.url });
    const res = await client.request('POST', '/chat/completions', {
      body: '{"model":"m"}',
      headers: { Connection: 'keep-alive, Upgrade', 'Transfer-Encoding': 'chunked', Host: 'gateway:5969', 'Content-Length': '999', 'x-keep': '1' },
    });
    expect(await readBodyText(res.body)).toBe('ok');
    const seen = server.requests[0]!;
    expect(seen.body).toBe('{"model":"m"}');
    expect(seen.headers['x-keep']).toBe('1');
    expect(seen.headers['content-length']).toBe('13');
    expect(seen.headers.host).not.toBe('gateway:5969');
  });
});

describe('an answer read whole (readAnswerText on an upstream body)', () => {
  it('hands over a body that arrived before it was asked for, and one that arrives in pieces afterwards, UTF-8 split included', async () => {
    const text = '{"a":"héllo 🌍"}';
    const bytes = Buffer.from(text);
    server = await startReplayServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('at-once')) {
        res.end(bytes);
        return;
      }
      res.write(bytes.subarray(0, 9));
      setTimeout(() => res.end(bytes.subarray(9)), 30);
    });
    client = createUpstreamClient({ baseUrl: server.url });
    const atOnce = await client.request('GET', '/at-once');
    await new Promise((r) => setTimeout(r, 20));
    expect(await readAnswerText(atOnce.body)).toBe(text);
    const pieces = await client.request('GET', '/pieces');
    expect(await readAnswerText(pieces.body)).toBe(text);
    // Taken from the exchange itself: neither body was ever read as a stream.
    expect(atOnce.body.readableDidRead).toBe(false);
    expect(pieces.body.readableDidRead).toBe(false);
  });

  it('a body already read as a stream is read on as a stream', async () => {
    server = await startReplayServer((_req, res) => {
      res.writeHead(200);
      res.write('ab');
      setTimeout(() => res.end('cd'), 30);
    });
    client = createUpstreamClient({ baseUrl: server.url });
    const res = await client.request('GET', '/models');
    const first = await new Promise<Buffer>((resolve) => res.body.once('data', resolve));
    res.body.pause();
    expect(first.toString()).toBe('ab');
    expect(await readAnswerText(res.body)).toBe('cd');
  });

  it('fails as a stream reader would: cut short (502), stalled (504), over the byte cap (502), the caller abort as the abort', async () => {
    server = await startReplayServer((req, res) => {
      res.writeHead(200);
      res.write('{"half');
      if (req.url?.includes('cut')) setTimeout(() => res.socket?.destroy(), 30);
      if (req.url?.includes('big')) res.write(Buffer.alloc(4096, 'a'));
    });
    client = createUpstreamClient({ baseUrl: server.url, idleTimeoutMs: 150, maxOutputBytes: 1024 });
    const cut = await client.request('GET', '/cut');
    await expect(readAnswerText(cut.body)).rejects.toMatchObject({ status: 502 });
    const stalled = await client.request('GET', '/stall');
    await expect(readAnswerText(stalled.body)).rejects.toMatchObject({ status: 504, code: 'upstream_timeout' });
    const big = await client.request('GET', '/big');
    await expect(readAnswerText(big.body)).rejects.toMatchObject({ status: 502, code: 'upstream_output_too_large' });
    const controller = new AbortController();
    const reason = new Error('client left');
    const aborted = await client.request('GET', '/abort', { signal: controller.signal });
    const reading = readAnswerText(aborted.body, controller.signal);
    controller.abort(reason);
    await expect(reading).rejects.toBe(reason);
  });
});
