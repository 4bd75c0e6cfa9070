/**
 * `--gateway-workers 2` through the real CLI: both workers serve concurrent requests on one
 * port, a scrape answered by either worker is the sum over both, a SIGKILLed worker is replaced
 * (and logged), and SIGTERM drains every worker and exits 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { jsonLines, postResponse, sampleValue, scrape, startServe, waitFor, type ServeProcess } from './support.js';

const WORKER_HEADER = 'x-vllm-responses-worker';

let upstream: FakeUpstream;
let dir: string;
let gw: ServeProcess;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  dir = mkdtempSync(join(tmpdir(), 'vr-workers-'));
  gw = await startServe(upstream.url, ['--gateway-workers', '2'], { VR_DB_PATH: `sqlite:///${join(dir, 'w.db')}`, VR_LOG_LEVEL: 'info' });
}, 40_000);

afterAll(async () => {
  gw?.proc.child.kill('SIGKILL');
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

async function servingPids(requests: number): Promise<Map<string, number>> {
  const answers = await Promise.all(Array.from({ length: requests }, (_, i) => postResponse(gw.origin, { model: 'fake-model', input: `hello ${i}` })));
  const pids = new Map<string, number>();
  for (const res of answers) {
    expect(res.status).toBe(200);
    const body = (await res.json()) as { output: { content: { text: string }[] }[] };
    expect(body.output[0]?.content[0]?.text).toMatch(/^You said: hello \d+$/);
    const pid = res.headers.get(WORKER_HEADER)!;
    pids.set(pid, (pids.get(pid) ?? 0) + 1);
  }
  return pids;
}

describe('vllm-responses serve --gateway-workers 2', () => {
  it('serves concurrent requests from both workers and prints the start-up summary', async () => {
    // The first worker may answer /health before the second is up and the summary is printed.
    await waitFor('the start-up summary', () => (gw.proc.output().includes('gateway listening on') ? true : undefined));
    expect(gw.proc.output()).toMatch(/gateway listening on http:\/\/127\.0\.0\.1:\d+ \| 2 workers \(pids \d+, \d+\) \|.*store sqlite:.*metrics on at \/metrics \| tracing off \| auth off/);
    const pids = await servingPids(40);
    expect(pids.size).toBe(2);
    for (const pid of pids.keys()) expect(Number(pid)).not.toBe(gw.proc.child.pid);
  });

  it('answers /health and scrapes with the sum over all workers, with templated routes', async () => {
    const before = sampleValue(await scrape(gw.origin), 'vllm_responses_http_requests_total', { method: 'POST', route: '/v1/responses', status: '200' }) ?? 0;
    const created = await postResponse(gw.origin, { model: 'fake-model', input: 'keep me' });
    const { id } = (await created.json()) as { id: string };
    await servingPids(10);
    // Retrievals land on either worker; the label is the template, never the id.
    for (let i = 0; i < 4; i++) expect((await fetch(`${gw.origin}/v1/responses/${id}`)).status).toBe(200);
    // Concurrent scrapes open several connections, so both workers answer some of them: batches
    // of 8 until both have (the primary hands a connection to a worker that is free, so on a busy
    // machine one batch can all land on one worker). Every answer, whichever worker, is the sum.
    const seenBy = new Set<string>();
    await waitFor('scrapes answered by both workers', async () => {
      const scrapes = await Promise.all(Array.from({ length: 8 }, () => fetch(`${gw.origin}/metrics`)));
      for (const res of scrapes) {
        seenBy.add(res.headers.get(WORKER_HEADER)!);
        const body = await res.text();
        expect(sampleValue(body, 'vllm_responses_http_requests_total', { method: 'POST', route: '/v1/responses', status: '200' })).toBe(before + 11);
        expect(sampleValue(body, 'vllm_responses_http_requests_total', { method: 'GET', route: '/v1/responses/{response_id}', status: '200' })).toBe(4);
        expect(body).not.toContain(id);
        expect(sampleValue(body, 'vllm_responses_upstream_time_to_first_token_seconds_count', { api_kind: 'chat_completions' })).toBeGreaterThanOrEqual(before + 11);
      }
      return seenBy.size === 2 ? true : undefined;
    });
    const healthBy = new Set<string | null>();
    await waitFor('/health answered by both workers', async () => {
      const health = await Promise.all(Array.from({ length: 8 }, () => fetch(`${gw.origin}/health`)));
      for (const res of health) {
        healthBy.add(res.headers.get(WORKER_HEADER));
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({});
      }
      return healthBy.size === 2 ? true : undefined;
    });
  });

  it('replaces a worker that is killed, logs it, and keeps serving', async () => {
    const pids = [...(await servingPids(10)).keys()];
    const victim = Number(pids[0]);
    process.kill(victim, 'SIGKILL');
    const replacement = await waitFor('a replacement worker', () =>
      jsonLines(gw.proc.output()).find((l) => typeof l.msg === 'string' && l.msg.startsWith('replacement gateway worker')),
    );
    expect(jsonLines(gw.proc.output()).some((l) => l.worker_pid === victim && l.signal === 'SIGKILL' && l.level === 50)).toBe(true);
    const now = await servingPids(30);
    expect(now.has(String(victim))).toBe(false);
    expect(now.has(String(replacement.worker_pid))).toBe(true);
    expect(now.size).toBe(2);
  });

  it('drains every worker on SIGTERM and exits 0', async () => {
    const pids = [...(await servingPids(10)).keys()].map(Number);
    gw.proc.child.kill('SIGTERM');
    expect(await gw.proc.exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
