/**
 * WebSocket mode (`GET /v1/responses` upgrade) with the openai SDK's WebSocket client and a raw
 * `ws` client: sequential responses, continuation (store and connection-local cache), failed
 * continuations, auth, and errors that leave the connection usable.
 */
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sendSse, textChunks, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors } from './support/schemas.js';
import { nextResponse } from './support/ws-responses.js';

function lastMessages(gw: TestGateway): string[] {
  const req = gw.upstream.requests.filter((r: RecordedRequest) => r.path === '/v1/chat/completions').at(-1)!;
  return req.body.messages.map((m: any) => `${m.role}:${typeof m.content === 'string' ? m.content : JSON.stringify(m.content)}`);
}

function numbered(gw: TestGateway): void {
  let n = 0;
  gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['reply ', `${++n}`])));
}

describe('WebSocket mode', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ sqliteStore: true, env: { apiKeys: ['test-key'] } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('runs sequential responses on one SDK connection and continues from the store and the local cache', async () => {
    numbered(gw);
    const ws = new ResponsesWS(gw.client);
    ws.on('error', () => {});
    try {
      let done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'one' });
      const first = await done;
      expect(first.map((e) => e.type).slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
      expect(first.at(-1).type).toBe('response.completed');
      for (const ev of first) expect(eventSpecErrors(ev)).toEqual([]);
      const r1 = first.at(-1).response;

      done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'two', previous_response_id: r1.id, store: false });
      const r2 = (await done).at(-1).response;
      expect(r2.status).toBe('completed');
      expect(lastMessages(gw)).toEqual(['user:one', 'assistant:reply 1', 'user:two']);

      // store:false, continued from the connection-local cache only.
      done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'three', previous_response_id: r2.id, store: false });
      const r3 = (await done).at(-1).response;
      expect(r3.status).toBe('completed');
      expect(lastMessages(gw)).toEqual(['user:one', 'assistant:reply 1', 'user:two', 'assistant:reply 2', 'user:three']);
      await expect(gw.client.responses.retrieve(r3.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);

      // A stored continuation of a cache-only response keeps the whole history (continuable over HTTP).
      done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'four', previous_response_id: r3.id });
      const r4 = (await done).at(-1).response;
      const r5 = await gw.client.responses.create({ model: 'fake-model', input: 'five', previous_response_id: r4.id });
      expect(r5.status).toBe('completed');
      expect(lastMessages(gw).at(0)).toBe('user:one');
      expect(lastMessages(gw).at(-1)).toBe('user:five');

      // A new connection has no cache: the store:false response is not found.
      const other = new ResponsesWS(gw.client);
      other.on('error', () => {});
      const lost = nextResponse(other);
      other.send({ type: 'response.create', model: 'fake-model', input: 'x', previous_response_id: r3.id, store: false });
      const [err] = await lost;
      expect(err.type).toBe('error');
      expect(err.error.code).toBe('previous_response_not_found');
      other.close();
    } finally {
      ws.close();
    }
  });

  it('a failed continuation evicts the cache entry; the connection survives', async () => {
    numbered(gw);
    const ws = new ResponsesWS(gw.client);
    ws.on('error', () => {});
    try {
      let done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'a', store: false });
      const ra = (await done).at(-1).response;

      gw.upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['par', 'tial']), { dieAfter: 2 }));
      done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'b', previous_response_id: ra.id, store: false });
      const failed = await done;
      expect(failed.at(-1).type).toBe('response.failed');
      expect(failed.some((e) => e.type === 'error')).toBe(true);

      numbered(gw);
      done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'c', previous_response_id: ra.id, store: false });
      const [evicted] = await done;
      expect(evicted.type).toBe('error');
      expect(evicted.error.code).toBe('previous_response_not_found');

      // Still usable.
      done = nextResponse(ws);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'd' });
      expect((await done).at(-1).type).toBe('response.completed');
    } finally {
      ws.close();
    }
  });

  it('checks the API key before the upgrade, like HTTP', async () => {
    const wsUrl = `${gw.url.replace('http', 'ws')}/v1/responses`;
    const status = await new Promise<number>((resolve) => {
      const raw = new WebSocket(wsUrl, { headers: { authorization: 'Bearer wrong' } });
      raw.on('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      raw.on('open', () => resolve(101));
      raw.on('error', () => {});
    });
    expect(status).toBe(401);
    const none = await new Promise<number>((resolve) => {
      const raw = new WebSocket(wsUrl);
      raw.on('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      raw.on('open', () => resolve(101));
      raw.on('error', () => {});
    });
    expect(none).toBe(401);
  });

  it('a raw ws client: bad messages are error events, then a response streams as JSON frames', async () => {
    numbered(gw);
    const raw = new WebSocket(`${gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: 'Bearer test-key' } });
    const frames: any[] = [];
    const waiters: (() => void)[] = [];
    raw.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      waiters.splice(0).forEach((w) => w());
    });
    const frame = async (pred: (f: any) => boolean): Promise<any> => {
      for (;;) {
        const found = frames.find(pred);
        if (found) return found;
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    await new Promise((r) => raw.once('open', r));
    raw.send('not json');
    expect((await frame((f) => f.type === 'error')).error.code).toBe('invalid_json');
    frames.length = 0;
    raw.send(JSON.stringify({ type: 'session.update' }));
    expect((await frame((f) => f.type === 'error')).error.param).toBe('type');
    frames.length = 0;
    raw.send(JSON.stringify({ type: 'response.create', model: 'fake-model' , input: 'x', temperature: 'hot' }));
    expect((await frame((f) => f.type === 'error')).error.param).toBe('temperature');
    frames.length = 0;
    raw.send(JSON.stringify({ type: 'response.create', model: 'fake-model', input: 'hello' }));
    const completed = await frame((f) => f.type === 'response.completed');
    expect(completed.response.output[0].content[0].text).toBe('reply 1');
    expect(frames.map((f) => f.sequence_number)).toEqual(frames.map((_, i) => i));
    raw.close();
  });
});

describe('WebSocket connection limits', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ sqliteStore: true, runSettings: { wsIdleMs: 300, wsPingMs: 100 } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('answers pings, closes an idle connection, and terminates one that stops answering pongs', async () => {
    const url = `${gw.url.replace('http', 'ws')}/v1/responses`;
    const idle = new WebSocket(url);
    let pings = 0;
    idle.on('ping', () => pings++);
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => idle.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    expect(closed).toEqual({ code: 1000, reason: 'idle timeout' });
    expect(pings).toBeGreaterThan(0);

    // A client that never answers pings (autoPong off) is cut after one missed pong.
    const silent = new WebSocket(url, { autoPong: false });
    const code = await new Promise<number>((resolve) => silent.on('close', (c) => resolve(c)));
    expect(code).toBe(1006);
  });
});
