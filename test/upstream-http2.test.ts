/**
 * `VR_UPSTREAM_HTTP2`: the gateway speaks cleartext HTTP/2 to an h2c upstream, many streams share
 * one upstream connection, and the client sees exactly what an HTTP/1.1 upstream gives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnvSettings } from '../src/config/env.js';
import { sendSse, startFakeUpstream, textChunks, type FakeUpstream } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let h2: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  h2 = await startFakeUpstream({ http2: true, record: true });
  gw = await startTestGateway({ upstream: h2, env: { upstreamHttp2: true } });
});

afterAll(async () => {
  await gw?.close();
  await h2?.close();
});

async function streamText(input: string): Promise<string> {
  const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake-model', input, stream: true }) });
  expect(res.status).toBe(200);
  return res.text();
}

describe('HTTP/2 upstream', () => {
  it('is off unless VR_UPSTREAM_HTTP2 says so', () => {
    expect(readEnvSettings({}).upstreamHttp2).toBe(false);
    expect(readEnvSettings({ VR_UPSTREAM_HTTP2: '1' }).upstreamHttp2).toBe(true);
    expect(() => readEnvSettings({ VR_UPSTREAM_HTTP2: 'h2' })).toThrow(/VR_UPSTREAM_HTTP2/);
  });

  it('streams and answers JSON over h2c, as over HTTP/1.1', async () => {
    const text = await streamText('hello');
    expect(text).toContain('event: response.output_text.delta');
    expect(text).toMatch(/event: response\.completed\ndata: .*"text":"You said: hello"/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const json = await gw.client.responses.create({ model: 'fake-model', input: 'again' });
    expect(json.output_text).toBe('You said: again');
    // The upstream saw HTTP/2 requests (pseudo-headers), our JSON body unchanged.
    const seen = h2.requests.at(-1)!;
    expect(seen.headers[':method']).toBe('POST');
    expect(seen.body.messages.at(-1)).toEqual({ role: 'user', content: 'again' });
  });

  it('carries 100 concurrent streams on one upstream connection', async () => {
    h2.setChatHandler(async (_req, res) => {
      // Every stream stays open until all have started: they really are concurrent.
      await started;
      await sendSse(res, textChunks(['a', 'b']));
    });
    let open = 0;
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    const before = h2.h2Sessions;
    const upstreamRequests = h2.requests.length;
    // The connection of the test above is idle and takes 100 streams (a burst while no
    // connection is ready opens one per request until the first is up: undici's Pool).
    const done = Array.from({ length: 100 }, () =>
      streamText('x').then((t) => {
        expect(t).toContain('event: response.completed');
      }),
    );
    await expect.poll(() => h2.requests.length - upstreamRequests, { timeout: 15_000 }).toBe(100);
    open = h2.requests.length - upstreamRequests;
    release();
    await Promise.all(done);
    expect(open).toBe(100);
    // Over HTTP/1.1 that would be 100 upstream connections.
    expect(h2.h2Sessions - before).toBe(0);
  });
});
