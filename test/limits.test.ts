import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, readLimits, type Limits } from '../src/config/limits.js';
import { chunk, sendSse, textChunks } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * Every limit through the real HTTP server, with small configured values so each case takes
 * well under a second: slow clients, too many body bytes at once, request shapes, and upstream
 * answers that stall, trickle, never end or carry huge events.
 */
const limits: Limits = {
  ...DEFAULT_LIMITS,
  requestTimeoutMs: 600,
  headersTimeoutMs: 300,
  maxInflightBodyBytes: 100_000,
  upstreamFirstByteTimeoutMs: 400,
  upstreamIdleTimeoutMs: 300,
  upstreamTotalTimeoutMs: 900,
  upstreamMaxEventBytes: 64 * 1024,
  upstreamMaxOutputBytes: 512 * 1024,
  maxStoredItemBytes: 16 * 1024,
  maxTools: 8,
  maxSchemaDepth: 10,
  maxInputDepth: 12,
};

let gw: TestGateway;
let port: number;
beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true, serve: { limits } });
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.close();
});

/** A raw connection: what a slow or hostile client does byte by byte. */
function rawSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function readAll(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
  });
}

function bodyOf(raw: string): any {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

function expectOpenAIError(body: any): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
}

async function post(body: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let parsed: any = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* a stream */
  }
  return { status: res.status, body: parsed, text };
}

describe('limits are configurable', () => {
  it('flags over VR_* variables over defaults; bad values name the flag or variable', () => {
    expect(readLimits({}).requestTimeoutMs).toBe(DEFAULT_LIMITS.requestTimeoutMs);
    expect(readLimits({ VR_REQUEST_TIMEOUT_SEC: '2.5' }).requestTimeoutMs).toBe(2500);
    expect(readLimits({ VR_REQUEST_TIMEOUT_SEC: '2' }, { 'request-timeout': '3' }).requestTimeoutMs).toBe(3000);
    expect(readLimits({ VR_MAX_TOOLS: '7' }).maxTools).toBe(7);
    expect(() => readLimits({ VR_MAX_TOOLS: '1.5' })).toThrow(/VR_MAX_TOOLS/);
    expect(() => readLimits({}, { 'upstream-idle-timeout': '-1' })).toThrow(/--upstream-idle-timeout/);
  });
});

describe('slow and greedy clients', () => {
  it('a body sent one byte at a time is cut at the request timeout with an OpenAI-shaped 408', async () => {
    const s = await rawSocket();
    const answer = readAll(s);
    s.write(`POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`);
    const timer = setInterval(() => !s.destroyed && s.write('{'), 100);
    const raw = await answer;
    clearInterval(timer);
    expect(raw.startsWith('HTTP/1.1 408')).toBe(true);
    expectOpenAIError(bodyOf(raw));
    expect(bodyOf(raw).error.code).toBe('request_timeout');
  });

  it('headers that never finish are cut at the headers timeout', async () => {
    const s = await rawSocket();
    const answer = readAll(s);
    s.write('POST /v1/responses HTTP/1.1\r\nhost: x\r\n');
    const raw = await answer;
    expect(raw.startsWith('HTTP/1.1 408')).toBe(true);
    expectOpenAIError(bodyOf(raw));
  });

  it('a response that streams longer than the request timeout is not cut', async () => {
    // Its own gateway with wide upstream deadlines, so only the request timeout is close: six
    // chunks 120 ms apart last twice the 300 ms request timeout (a loaded machine only widens that).
    const wide = await startTestGateway({ serve: { limits: { ...limits, requestTimeoutMs: 300, upstreamIdleTimeoutMs: 10_000, upstreamTotalTimeoutMs: 60_000 } } });
    try {
      wide.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['slow ', 'but ', 'fine']), { delayMs: 120 }));
      const res = await fetch(`${wide.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-model', input: 'hi', stream: true }) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('event: response.completed');
    } finally {
      await wide.close();
    }
  });

  it('caps the request body bytes being received at once (503 server_busy)', async () => {
    const slow = await rawSocket();
    const slowAnswer = readAll(slow);
    slow.write(`POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 90000\r\n\r\n`);
    slow.write('{"model":"m","input":"' + 'a'.repeat(60_000));
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'b'.repeat(50_000) }) });
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expectOpenAIError(body);
    expect(body.error.code).toBe('server_busy');
    slow.destroy();
    await slowAnswer;
    // Released: the same request fits once the other body is gone.
    gw.upstream.setChatHandler((_req, r2) => sendSse(r2, textChunks(['ok'])));
    await expect.poll(async () => (await post({ model: 'm', input: 'b'.repeat(50_000) })).status, { timeout: 2000 }).toBe(200);
  });
});

describe('request shape caps', () => {
  const fn = (name: string) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } });
  function nested(depth: number): any {
    let v: any = { type: 'string' };
    for (let i = 0; i < depth; i++) v = { type: 'object', properties: { a: v } };
    return v;
  }

  it('too many tools → 400 naming tools', async () => {
    const r = await post({ model: 'm', input: 'x', tools: Array.from({ length: 9 }, (_, i) => fn(`f${i}`)) });
    expect(r.status).toBe(400);
    expectOpenAIError(r.body);
    expect(r.body.error).toMatchObject({ param: 'tools', code: 'array_above_max_length' });
  });

  it('a JSON Schema nested too deeply → 400 (tool parameters and text.format)', async () => {
    const deep = nested(1000);
    const r = await post({ model: 'm', input: 'x', tools: [{ type: 'function', name: 'f', parameters: deep }] });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('nesting_too_deep');
    expect(r.body.error.param.startsWith('tools[0].parameters')).toBe(true);
    const t = await post({ model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 's', schema: deep } } });
    expect(t.status).toBe(400);
    expect(t.body.error.code).toBe('nesting_too_deep');
  });

  it('input items nested too deeply → 400 before anything is generated', async () => {
    // Written as text: serialising thousands of levels would overflow the test's own stack.
    const action = '{"type":"search","query":"q","nested":'.repeat(2000) + '{}' + '}'.repeat(2000);
    const before = gw.upstream.requests.length;
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"model":"m","input":[{"type":"web_search_call","id":"ws_1","status":"completed","action":${action}}]}`,
    });
    const r = { status: res.status, body: (await res.json()) as any };
    expect(r.status).toBe(400);
    expectOpenAIError(r.body);
    expect(r.body.error.code).toBe('nesting_too_deep');
    expect(gw.upstream.requests.length).toBe(before);
  });
});

describe('upstream deadlines and caps', () => {
  it('no first byte in time → 504 upstream_timeout (JSON and stream)', async () => {
    gw.upstream.setChatHandler(() => {}); // accepts the connection, never answers
    const r = await post({ model: 'm', input: 'x' });
    expect(r.status).toBe(504);
    expect(r.body.error.code).toBe('upstream_timeout');
    const s = await post({ model: 'm', input: 'x', stream: true });
    expect(s.status).toBe(504);
  });

  it('a stall mid-answer hits the idle deadline', async () => {
    gw.upstream.setChatHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ content: 'par' }))}\n\n`);
    });
    const r = await post({ model: 'm', input: 'x', stream: true });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/"code":"upstream_timeout"/);
    expect(r.text).toContain('event: response.failed');
    expect(r.text).toMatch(/stalled/);
  });

  it('a trickle of one byte every 50 ms hits the total deadline', async () => {
    gw.upstream.setChatHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(':')), 50);
      res.on('close', () => clearInterval(timer));
    });
    const r = await post({ model: 'm', input: 'x' });
    expect(r.status).toBe(504);
    expect(r.body.error.message).toMatch(/in total/);
  });

  it('an endless stream is cut at the output byte cap', async () => {
    gw.upstream.setChatHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const line = `data: ${JSON.stringify(chunk({ content: 'x'.repeat(1000) }))}\n\n`;
      const pump = () => {
        while (!res.destroyed && res.write(line));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const r = await post({ model: 'm', input: 'x' });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('upstream_output_too_large');
  });

  it('a huge SSE line is refused without buffering it whole', async () => {
    gw.upstream.setChatHandler((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ' + 'y'.repeat(200 * 1024));
    });
    const r = await post({ model: 'm', input: 'x' });
    expect(r.status).toBe(502);
    expect(r.body.error.code).toBe('upstream_event_too_large');
  });

  it('an output item over the stored size limit fails the response instead of being stored', async () => {
    const pieces = Array.from({ length: 40 }, () => 'z'.repeat(1000));
    gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(pieces)));
    const r = await post({ model: 'm', input: 'x' });
    expect(r.status).toBe(502);
    expectOpenAIError(r.body);
    expect(r.body.error.code).toBe('output_too_large');
  });
});
