/**
 * Client API keys and request logs through the real CLI: 401 in OpenAI's shape without a valid
 * key, /health and /metrics open, the openai SDK works with the right key, and the JSON log lines
 * carry request id, route, status, duration and timings, but never a key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { AuthenticationError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { jsonLines, postResponse, startServe, waitFor, type ServeProcess } from './support.js';

const KEY_A = 'vr-test-key-alpha-0123456789';
const KEY_B = 'vr-test-key-bravo-9876543210';
const UPSTREAM_KEY = 'upstream-secret-key-42';

let upstream: FakeUpstream;
let dir: string;
let gw: ServeProcess;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-auth-'));
  gw = await startServe(upstream.url, [], {
    VR_DB_PATH: `sqlite:///${join(dir, 'a.db')}`,
    VR_API_KEYS: ` ${KEY_A}, ${KEY_B} `,
    VR_OPENAI_API_KEY: UPSTREAM_KEY,
    VR_LOG_LEVEL: 'debug',
    VR_LOG_TIMINGS: 'true',
    VR_LOG_MODEL_MESSAGES: 'true',
  });
}, 40_000);

afterAll(async () => {
  gw?.proc.child.kill('SIGKILL');
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('VR_API_KEYS', () => {
  it('rejects API routes without a valid key with a 401 authentication_error', async () => {
    const missing = await postResponse(gw.origin, { model: 'fake-model', input: 'x' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { type: 'authentication_error', code: 'missing_api_key', param: null, message: expect.any(String) } });
    for (const authorization of ['Bearer wrong-key', `Basic ${KEY_A}`, `Bearer ${KEY_A}x`, KEY_A]) {
      const res = await postResponse(gw.origin, { model: 'fake-model', input: 'x' }, { authorization });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    }
    for (const path of ['/v1/models', '/v1/responses/resp_abc', '/v1/nope']) {
      expect((await fetch(`${gw.origin}${path}`)).status).toBe(401);
    }
    expect(upstream.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('keeps /health and /metrics open', async () => {
    expect((await fetch(`${gw.origin}/health`)).status).toBe(200);
    const metrics = await fetch(`${gw.origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/vllm_responses_http_requests_total\{method="POST",route="\/v1\/responses",status="401"\} 5/);
  });

  it('serves the openai SDK with either configured key, and the SDK reports a wrong key', async () => {
    for (const apiKey of [KEY_A, KEY_B]) {
      const client = new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey, maxRetries: 0 });
      const r = await client.responses.create({ model: 'fake-model', input: 'ping' });
      expect(r.output_text).toBe('You said: ping');
      expect((await client.responses.retrieve(r.id)).id).toBe(r.id);
    }
    // The upstream gets the upstream key, never the client's.
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    const wrong = new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey: 'not-a-key', maxRetries: 0 });
    await expect(wrong.responses.create({ model: 'fake-model', input: 'x' })).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('request logs', () => {
  it('have request id, route, status, duration and timings per request, and never a key', async () => {
    const res = await postResponse(gw.origin, { model: 'fake-model', input: `my key is ${KEY_B}` }, { authorization: `Bearer ${KEY_A}`, 'x-request-id': 'client-req-7' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    await fetch(`${gw.origin}/v1/responses/${id}`, { headers: { authorization: `Bearer ${KEY_A}` } });
    await postResponse(gw.origin, { model: 'fake-model', input: 'more', previous_response_id: id }, { authorization: `Bearer ${KEY_B}` });

    const line = await waitFor('the request log line', () => jsonLines(gw.proc.output()).find((l) => l.req_id === 'client-req-7'));
    expect(line).toMatchObject({ msg: 'request completed', method: 'POST', route: '/v1/responses', status: 200, name: 'gateway' });
    expect(line.duration_ms).toEqual(expect.any(Number));
    expect(line.timings).toMatchObject({ upstream_first_token_ms: expect.any(Number), store_ms: expect.any(Number) });

    const lines = await waitFor('all request lines', () => {
      const all = jsonLines(gw.proc.output()).filter((l) => l.msg === 'request completed');
      return all.some((l) => (l.timings as Record<string, unknown> | undefined)?.hydrate_ms !== undefined) ? all : undefined;
    });
    const get = lines.find((l) => l.method === 'GET' && l.path === `/v1/responses/${id}`);
    expect(get).toMatchObject({ route: '/v1/responses/{response_id}', status: 200 });
    expect(get!.req_id).toMatch(/^req_[0-9a-f]{32}$/);
    const denied = lines.filter((l) => l.status === 401);
    expect(denied.length).toBeGreaterThan(0);

    // VR_LOG_MODEL_MESSAGES: the model-facing messages are logged (with secrets scrubbed).
    const model = jsonLines(gw.proc.output()).find((l) => l.msg === 'model request');
    expect(model).toMatchObject({ model: 'fake-model' });

    const output = gw.proc.output();
    for (const secret of [KEY_A, KEY_B, UPSTREAM_KEY]) expect(output).not.toContain(secret);
    expect(output).toContain('[REDACTED]');
  });
});
