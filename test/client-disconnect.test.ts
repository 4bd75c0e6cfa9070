/**
 * A client that leaves cancels its request all the way down: the route's Cancellation reaches
 * the upstream exchange (which listens to it without an AbortSignal) and the run, which stores
 * the response as cancelled. Through the HTTP server, with a real store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
});
afterAll(async () => {
  await gw.close();
});

function post(body: unknown, signal: AbortSignal): Promise<Response> {
  return fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
}

describe('a client that disconnects', () => {
  it('while a JSON request waits for the upstream answer: the upstream request is aborted at once', async () => {
    let arrived!: () => void;
    const waiting = new Promise<void>((r) => (arrived = r));
    // No status line, no byte: only the gateway's abort ends this request.
    gw.upstream.setChatHandler(async (_req, res) => {
      arrived();
      await new Promise((r) => res.once('close', r));
    });
    const before = gw.upstream.aborts;
    const controller = new AbortController();
    const pending = post({ model: 'fake-model', input: 'hi' }, controller.signal).catch(() => null);
    await waiting;
    controller.abort();
    await pending;
    await expect.poll(() => gw.upstream.aborts, { timeout: 3000 }).toBe(before + 1);
    // The gateway keeps serving.
    gw.upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'still here' }), chunk({}, 'stop')]));
    expect((await gw.client.responses.create({ model: 'fake-model', input: 'and now?' })).output_text).toBe('still here');
  });

  it('mid-stream: the upstream request is aborted and the stored response says cancelled', async () => {
    let sent!: () => void;
    const firstChunkSent = new Promise<void>((r) => (sent = r));
    gw.upstream.setChatHandler(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: 'partial' }))}\n\n`);
      sent();
      await new Promise((r) => res.once('close', r));
    });
    const before = gw.upstream.aborts;
    const controller = new AbortController();
    const res = await post({ model: 'fake-model', input: 'hi', stream: true }, controller.signal);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    await firstChunkSent;
    while (!text.includes('response.output_text.delta')) text += decoder.decode((await reader.read()).value, { stream: true });
    const id = /"id":"(resp_[^"]+)"/.exec(text)![1]!;
    controller.abort();
    await expect.poll(() => gw.upstream.aborts, { timeout: 3000 }).toBe(before + 1);
    await expect.poll(async () => (await gw.client.responses.retrieve(id)).status, { timeout: 3000 }).toBe('cancelled');
    const stored = await gw.client.responses.retrieve(id);
    expect(stored.output_text).toBe('partial');
  });
});
