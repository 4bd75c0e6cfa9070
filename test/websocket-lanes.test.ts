/**
 * WebSocket mode's `stream_id` lanes and `generate: false` warm-ups, with the openai SDK's
 * WebSocket client: lanes run side by side and FIFO within, every event echoes its lane, a lane
 * forks from another lane's `store: false` response, and a warm-up is stored and continuable
 * without an upstream call.
 */
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSse, textChunks, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { eventSpecErrors } from './support/schemas.js';

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete']);

/** Every event of the connection, and a wait for the n-th terminal event (or error) of one lane. */
function recorder(ws: ResponsesWS) {
  const events: any[] = [];
  const waiters: (() => void)[] = [];
  ws.on('event', (ev: any) => {
    events.push(ev);
    waiters.splice(0).forEach((w) => w());
  });
  const ended = (lane: string | undefined) => events.filter((e) => e.stream_id === lane && (TERMINAL.has(e.type) || e.type === 'error'));
  return {
    events,
    async end(lane: string | undefined, n = 1): Promise<any> {
      while (ended(lane).length < n) await new Promise<void>((r) => waiters.push(r));
      return ended(lane)[n - 1];
    },
  };
}

/** An SDK WebSocket connection to the gateway and a recorder of its events. */
function connect(gw: TestGateway) {
  const ws = new ResponsesWS(gw.client);
  ws.on('error', () => {});
  return { ws, rec: recorder(ws) };
}

/** The scripted model answers `re: <last user text>`. */
function echoModel(gw: TestGateway): void {
  gw.upstream.setChatHandler((req, res) => sendSse(res, textChunks([`re: ${lastUserText(req)}`])));
}

function lastUserText(req: RecordedRequest): string {
  const user = req.body.messages.filter((m: any) => m.role === 'user').at(-1);
  return typeof user.content === 'string' ? user.content : user.content.map((p: any) => p.text).join('');
}

function chats(gw: TestGateway): RecordedRequest[] {
  return gw.upstream.requests.filter((r: RecordedRequest) => r.path === '/v1/chat/completions');
}

describe('WebSocket lanes (stream_id) and warm-ups (generate: false)', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ sqliteStore: true, env: { apiKeys: ['test-key'] } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('runs lanes side by side, FIFO within a lane, and echoes stream_id on every event', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    gw.upstream.setChatHandler(async (req, res) => {
      const text = lastUserText(req);
      if (text === 'slow') await held;
      sendSse(res, textChunks([`re: ${text}`]));
    });
    const { ws, rec } = connect(gw);
    try {
      ws.send({ type: 'response.create', model: 'fake-model', input: 'slow', stream_id: 'a' } as any);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'after slow', stream_id: 'a' } as any);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'fast', stream_id: 'b' } as any);
      // Lane b finishes while lane a's first response is still held upstream.
      const b = await rec.end('b');
      expect(b.type).toBe('response.completed');
      expect(b.response.output[0].content[0].text).toBe('re: fast');
      expect(rec.events.some((e) => e.stream_id === 'a' && e.type === 'response.completed')).toBe(false);
      release();
      const a1 = await rec.end('a', 1);
      const a2 = await rec.end('a', 2);
      expect([a1.response.output[0].content[0].text, a2.response.output[0].content[0].text]).toEqual(['re: slow', 're: after slow']);
      // FIFO within lane a: the second response was created after the first completed.
      const laneA = rec.events.filter((e) => e.stream_id === 'a').map((e) => e.type);
      expect(laneA.indexOf('response.completed')).toBeLessThan(laneA.lastIndexOf('response.created'));
      for (const ev of rec.events) {
        expect(['a', 'b']).toContain(ev.stream_id);
        const { stream_id: _lane, ...plain } = ev;
        expect(eventSpecErrors(plain)).toEqual([]);
      }
    } finally {
      ws.close();
    }
  });

  it('a new lane forks from another lane\'s store:false response', async () => {
    echoModel(gw);
    const { ws, rec } = connect(gw);
    try {
      ws.send({ type: 'response.create', model: 'fake-model', input: 'root', store: false, stream_id: 'main' } as any);
      const root = (await rec.end('main')).response;
      ws.send({ type: 'response.create', model: 'fake-model', input: 'branch', store: false, previous_response_id: root.id, stream_id: 'fork' } as any);
      const fork = await rec.end('fork');
      expect(fork.type).toBe('response.completed');
      const sent = chats(gw).at(-1)!.body.messages.map((m: any) => `${m.role}:${typeof m.content === 'string' ? m.content : m.content.map((p: any) => p.text).join('')}`);
      expect(sent).toEqual(['user:root', 'assistant:re: root', 'user:branch']);
    } finally {
      ws.close();
    }
  });

  it('generate: false prepares a stored, continuable response without calling the model', async () => {
    echoModel(gw);
    const before = chats(gw).length;
    const { ws, rec } = connect(gw);
    try {
      ws.send({ type: 'response.create', model: 'fake-model', input: 'context to warm', generate: false });
      const warm = await rec.end(undefined);
      expect(warm.type).toBe('response.completed');
      expect(warm.response.output).toEqual([]);
      expect(warm.response.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
      expect(rec.events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
      for (const ev of rec.events) expect(eventSpecErrors(ev)).toEqual([]);
      expect(chats(gw).length).toBe(before);

      // Stored like any response, so HTTP sees it too; the next turn continues from its input.
      expect((await gw.client.responses.retrieve(warm.response.id)).output).toEqual([]);
      ws.send({ type: 'response.create', model: 'fake-model', input: 'question', previous_response_id: warm.response.id });
      const next = await rec.end(undefined, 2);
      expect(next.type).toBe('response.completed');
      expect(chats(gw).at(-1)!.body.messages.map((m: any) => m.content)).toEqual(['context to warm', 'question']);
    } finally {
      ws.close();
    }
  });

  it('refuses a bad stream_id or generate as error events; the connection survives', async () => {
    echoModel(gw);
    const { ws, rec } = connect(gw);
    try {
      ws.send({ type: 'response.create', model: 'fake-model', input: 'x', stream_id: 7 } as any);
      expect((await rec.end(undefined, 1)).error).toMatchObject({ param: 'stream_id', code: 'invalid_value' });
      ws.send({ type: 'response.create', model: 'fake-model', input: 'x', stream_id: 'z'.repeat(257) } as any);
      expect((await rec.end(undefined, 2)).error).toMatchObject({ param: 'stream_id' });
      ws.send({ type: 'response.create', model: 'fake-model', input: 'x', generate: 'no', stream_id: 'g' } as any);
      const bad = await rec.end('g');
      expect(bad).toMatchObject({ type: 'error', stream_id: 'g', error: { param: 'generate' } });
      ws.send({ type: 'response.create', model: 'fake-model', input: 'ok', stream_id: 'g' } as any);
      expect((await rec.end('g', 2)).type).toBe('response.completed');
    } finally {
      ws.close();
    }
  });

  it('answers response.steer with response.steer.failed (steering_not_supported) and the input back', async () => {
    echoModel(gw);
    const { ws, rec } = connect(gw);
    try {
      ws.send({ type: 'response.create', model: 'fake-model', input: 'first', stream_id: 'main' } as any);
      const first = (await rec.end('main')).response;
      const steered = () => rec.events.filter((e) => e.type === 'response.steer.failed');
      ws.send({ type: 'response.steer', previous_response_id: first.id, input: 'and also this' } as any);
      ws.send({ type: 'response.steer', input: 'no target' } as any);
      while (steered().length < 2) await new Promise((r) => setTimeout(r, 10));
      const [refused, invalid] = steered();
      expect(refused).toMatchObject({
        stream_id: 'main',
        steer: { previous_response_id: first.id, input: 'and also this' },
        error: { type: 'invalid_request_error', code: 'steering_not_supported' },
      });
      expect(invalid).toMatchObject({ steer: { input: 'no target' }, error: { code: 'invalid_input' } });
      expect(invalid.stream_id).toBeUndefined();
      // The connection goes on: the input is sent as a continuation instead.
      ws.send({ type: 'response.create', model: 'fake-model', input: 'and also this', previous_response_id: first.id, stream_id: 'main' } as any);
      expect((await rec.end('main', 2)).type).toBe('response.completed');
    } finally {
      ws.close();
    }
  });
});
