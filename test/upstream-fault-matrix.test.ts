import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type Limits } from '../src/config/limits.js';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * Every way an upstream can break, against both transports, in JSON and stream mode: the client
 * always gets an OpenAI-shaped error (a plain HTTP error before the stream began, otherwise an
 * `error` event, `response.failed` and `[DONE]`), within the configured (small) limits.
 */
const limits: Limits = {
  ...DEFAULT_LIMITS,
  upstreamFirstByteTimeoutMs: 400,
  upstreamIdleTimeoutMs: 300,
  upstreamTotalTimeoutMs: 800,
  upstreamMaxEventBytes: 32 * 1024,
  upstreamMaxOutputBytes: 256 * 1024,
};

type Fault = (res: ServerResponse) => void;

function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
}

const faults: Record<string, Fault> = {
  'dies before answering': (res) => res.socket?.destroy(),
  'dies mid-stream': (res) => {
    sseHead(res);
    res.write(': started\n\n');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  stalls: () => {},
  trickles: (res) => {
    sseHead(res);
    const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(':')), 40);
    res.on('close', () => clearInterval(t));
  },
  'sends garbage': (res) => {
    sseHead(res);
    res.end('data: {this is not json\n\n');
  },
  'answers an HTML error page': (res) => {
    res.writeHead(500, { 'content-type': 'text/html' });
    res.end('<html><body>internal-host-9 Traceback</body></html>');
  },
  'sends a huge line': (res) => {
    sseHead(res);
    res.write('data: ' + 'h'.repeat(100 * 1024));
  },
  'never ends': (res) => {
    sseHead(res);
    const pump = () => {
      while (!res.destroyed && res.write(': endless comment line to fill the wire ............................\n'));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  },
};

let upstream: FakeUpstream;
const gateways: Record<string, TestGateway> = {};
beforeAll(async () => {
  upstream = await startFakeUpstream();
  for (const kind of ['chat_completions', 'responses'] as const) {
    gateways[kind] = await startTestGateway({ upstream, serve: { upstreamApiKind: kind, limits } });
  }
});
afterAll(async () => {
  for (const gw of Object.values(gateways)) await gw.close();
  await upstream.close();
});

function expectOpenAIError(body: any): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(JSON.stringify(body)).not.toContain('internal-host-9');
}

describe.each(['chat_completions', 'responses'] as const)('upstream faults over %s', (kind) => {
  for (const [name, fault] of Object.entries(faults)) {
    it(`${name}: JSON and stream clients get a clean failure`, async () => {
      const handler = (_req: unknown, res: ServerResponse) => fault(res);
      upstream.setChatHandler(handler);
      upstream.setResponsesHandler(handler);
      const gw = gateways[kind]!;
      const json = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'x' }) });
      expect(json.status).toBeGreaterThanOrEqual(500);
      expectOpenAIError(await json.json());

      const stream = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'x', stream: true }) });
      const text = await stream.text();
      if (stream.status !== 200) {
        expect(stream.status).toBeGreaterThanOrEqual(500);
        expectOpenAIError(JSON.parse(text));
        return;
      }
      expect(text).toContain('event: error');
      expect(text).toContain('event: response.failed');
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(text).not.toContain('internal-host-9');
    });
  }
});
