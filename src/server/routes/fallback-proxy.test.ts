import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandlers } from '../errors.js';
import { registerFallbackProxy, targetPath } from './fallback-proxy.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let target: Server;
let app: FastifyInstance;
let base: string;
const seen: Seen[] = [];
let aborted = 0;

beforeAll(async () => {
  target = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url === '/slow-stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let n = 0;
        const timer = setInterval(() => res.write(`data: ${n++}\n\n`), 30);
        res.on('close', () => {
          clearInterval(timer);
          if (!res.writableFinished) aborted++;
        });
        return;
      }
      res.writeHead(req.url === '/teapot' ? 418 : 200, { 'content-type': 'application/x-custom', 'x-upstream': 'yes', connection: 'keep-alive', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes: Buffer.concat(chunks).toString('base64') }));
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  app = Fastify();
  installErrorHandlers(app);
  app.get('/health', async () => ({ gateway: true }));
  app.post('/v1/responses', async () => ({ gateway: true }));
  registerFallbackProxy(app, { origin: `http://127.0.0.1:${(target.address() as AddressInfo).port}`, aliasPrefix: '/vllm' });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  target.closeAllConnections();
  await new Promise((r) => target.close(r));
});

describe('targetPath', () => {
  it('maps aliases, keeps queries, refuses gateway-owned families', () => {
    expect(targetPath('/tokenize?a=1', '/vllm')).toBe('/tokenize?a=1');
    expect(targetPath('/vllm/metrics?x', '/vllm')).toBe('/metrics?x');
    expect(targetPath('/vllm', '/vllm')).toBe('/');
    expect(targetPath('/vllmx', '/vllm')).toBe('/vllmx');
    expect(targetPath('/v1/responses/abc', '/vllm')).toBeNull();
    expect(targetPath('/v1/mcp/servers', '/vllm')).toBeNull();
    expect(targetPath('/v1/responsesfoo', '/vllm')).toBe('/v1/responsesfoo');
  });
});

describe('registerFallbackProxy', () => {
  it('forwards method, path, query, headers and raw body bytes; passes status and headers back', async () => {
    const body = Buffer.from([0, 1, 2, 250, 255]);
    const res = await fetch(`${base}/some/where?q=1&r=2`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer k', 'x-custom': 'v' },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-custom');
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ method: 'PATCH', url: '/some/where?q=1&r=2', bytes: body.toString('base64') });
    const s = seen.at(-1)!;
    expect(s.headers.authorization).toBe('Bearer k');
    expect(s.headers['x-custom']).toBe('v');
    expect(s.headers.host).not.toContain(new URL(base).port);
  });

  it('keeps JSON bodies byte for byte (no re-serialisation) and passes error statuses', async () => {
    const json = '{ "prompt" :  "a b",\n "x": 1.50 }';
    const res = await fetch(`${base}/teapot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
    expect(res.status).toBe(418);
    expect(Buffer.from(((await res.json()) as { bytes: string }).bytes, 'base64').toString()).toBe(json);
  });

  it('leaves gateway routes alone, serves aliases, and 404s unknown methods on gateway families', async () => {
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ gateway: true });
    expect(await (await fetch(`${base}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()).toEqual({ gateway: true });
    expect(((await (await fetch(`${base}/vllm/health`)).json()) as { url: string }).url).toBe('/health');
    const put = await fetch(`${base}/v1/responses/resp_1`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(404);
    expect(((await put.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('streams as bytes arrive and aborts the upstream request when the client goes away', async () => {
    const before = aborted;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/slow-stream`, (res) => {
        let got = '';
        res.on('data', (c: Buffer) => {
          got += c.toString();
          // Two events seen before the upstream finished: it is streaming, not buffering.
          if (got.includes('data: 1')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
      req.end();
    });
    await expect.poll(() => aborted, { timeout: 2000 }).toBe(before + 1);
  });

  it('answers 502 in the OpenAI error shape when the proxied server is down', async () => {
    const down = Fastify();
    installErrorHandlers(down);
    registerFallbackProxy(down, { origin: 'http://127.0.0.1:9', aliasPrefix: '/vllm' });
    const res = await down.inject({ method: 'GET', url: '/v1/models' });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.type).toBeTruthy();
    await down.close();
  });
});
