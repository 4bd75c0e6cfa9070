/**
 * Failures operators must see, through the real CLI's JSON logs: every failed or incomplete
 * response is logged with its id and cause, a streamed failure marks its request line, and an
 * upstream error page reaches the log but never the client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, startFakeUpstream, textChunks, type FakeUpstream } from '../support/fake-upstream.js';
import { jsonLines, postResponse, startServe, waitFor, type ServeProcess } from './support.js';

let upstream: FakeUpstream;
let dir: string;
let gw: ServeProcess;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-faillog-'));
  gw = await startServe(upstream.url, [], { VR_DB_PATH: `sqlite:///${join(dir, 'a.db')}`, VR_LOG_LEVEL: 'info' });
}, 40_000);

afterAll(async () => {
  gw?.proc.child.kill('SIGKILL');
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = () => jsonLines(gw.proc.output());

describe('failure visibility', () => {
  it('a stream that fails mid-way: a "response failed" line with id and cause, and a marked request line', async () => {
    upstream.setChatHandler((_req, res) => sendSse(res, textChunks(['par', 'tial']), { dieAfter: 2 }));
    const res = await postResponse(gw.origin, { model: 'fake-model', input: 'hi', stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    const id = /"id":"(resp_[^"]+)"/.exec(text)![1];
    const failed = await waitFor('response failed line', () => lines().find((l) => l.msg === 'response failed' && l.response_id === id));
    expect(failed).toMatchObject({ level: 50, status: 502, code: 'upstream_unavailable' });
    const requestLine = await waitFor('request line', () => lines().find((l) => l.response_id === id && l.route === '/v1/responses'));
    expect(requestLine).toMatchObject({ status: 200, response_status: 'failed', error_code: 'upstream_unavailable', level: 40 });
  });

  it('an upstream HTML error page: a short message for the client, the page in the log', async () => {
    upstream.setChatHandler((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html><body>Traceback: worker gpu-node-17.internal crashed</body></html>');
    });
    const res = await postResponse(gw.origin, { model: 'fake-model', input: 'hi' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as any;
    expect(body.error.message).toBe('The upstream model server answered HTTP 500 (Internal Server Error).');
    expect(JSON.stringify(body)).not.toContain('gpu-node-17');
    const logged = await waitFor('logged upstream body', () => lines().find((l) => l.msg === 'response failed' && String(l.upstream_body ?? '').includes('gpu-node-17')));
    expect(logged).toMatchObject({ upstream_status: 500, level: 50 });
  });

  it('an incomplete response is logged at warn with its reason', async () => {
    upstream.setChatHandler((_req, res) => sendSse(res, [chunk({ content: 'cut' }), chunk({}, 'length')]));
    const res = await postResponse(gw.origin, { model: 'fake-model', input: 'hi' });
    const r = (await res.json()) as any;
    expect(r.status).toBe('incomplete');
    const line = await waitFor('incomplete line', () => lines().find((l) => l.msg === 'response incomplete' && l.response_id === r.id));
    expect(line).toMatchObject({ level: 40, reason: 'max_output_tokens' });
  });
});
