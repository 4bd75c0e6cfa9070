import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/** Errors raised by the HTTP layer itself (fastify, Node's parser) in OpenAI's shape too. */
let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startTestGateway({});
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.close();
});

function expectOpenAIError(body: any): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body.error.message).toBe('string');
}

/** Send raw bytes, read the whole answer. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(request));
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('HTTP-layer errors', () => {
  it('a URL that does not decode → 400 invalid_url', async () => {
    for (const path of ['/v1/responses/resp_%ff', '/v1/responses/resp_%ff/input_items']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(400);
      const body = await res.json();
      expectOpenAIError(body);
      expect((body as any).error.code).toBe('invalid_url');
    }
  });

  it('a request Node cannot parse → 400 in OpenAI shape', async () => {
    const answer = await raw('GET /health HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 400')).toBe(true);
    expectOpenAIError(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)));
  });

  it('headers or URLs too large → 431 in OpenAI shape, never echoing the URL', async () => {
    const long = `/v1/responses/resp_${'a'.repeat(20_000)}`;
    const answer = await raw(`GET ${long} HTTP/1.1\r\nhost: x\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 (414|431)/);
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    expectOpenAIError(JSON.parse(body));
    expect(body).not.toContain('a'.repeat(200));
  });

  it('unknown routes → 404 without echoing a long path', async () => {
    const res = await fetch(`${gw.url}/nope/${'b'.repeat(5000)}`);
    expect(res.status).toBe(404);
    const text = await res.text();
    expectOpenAIError(JSON.parse(text));
    expect(text.length).toBeLessThan(600);
  });

  it('a long but valid-length id that matches no response → 404 response_not_found', async () => {
    const res = await fetch(`${gw.url}/v1/responses/resp_${'c'.repeat(3000)}`);
    expect([400, 404]).toContain(res.status);
    expectOpenAIError(await res.json());
  });

  it('wrong methods and odd content types stay OpenAI-shaped', async () => {
    for (const [method, path, headers, body] of [
      ['PUT', '/v1/responses', { 'content-type': 'application/json' }, '{}'],
      ['POST', '/v1/responses', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=b'],
      ['POST', '/v1/responses', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 'notgzip'],
    ] as const) {
      const res = await fetch(`${gw.url}${path}`, { method, headers, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expectOpenAIError(await res.json());
    }
  });
});
