/**
 * Background runs across processes: two real `vllm-responses serve` processes (as on two
 * machines) on one PostgreSQL database, driven with the openai SDK. Resume on another process,
 * cancel from another process, and kill -9 of the owner (the lease expires, the other process
 * settles the run `failed`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pg from 'pg';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnCli, waitForHttp, type CliProcess } from './support/cli.js';
import { sendSse, startFakeUpstream, textChunks, type FakeUpstream } from './support/fake-upstream.js';

const PG_URL = process.env.VR_TEST_POSTGRES_URL;
const LEASE_SEC = 1.5;

interface Gateway {
  proc: CliProcess;
  client: OpenAI;
  url: string;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.runIf(PG_URL)('background runs across gateway processes on one PostgreSQL', () => {
  let upstream: FakeUpstream;
  const schema = `vr_bg_${randomBytes(5).toString('hex')}`;
  let dbUrl = '';
  const gateways: Gateway[] = [];

  async function startGateway(): Promise<Gateway> {
    const port = await freePort();
    const proc = spawnCli(['serve', '--upstream', upstream.url, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--code-interpreter', 'disabled'], {
      VR_DB_PATH: dbUrl,
      VR_BACKGROUND_LEASE_SEC: String(LEASE_SEC),
      VR_BACKGROUND_POLL_MS: '50',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, proc);
    const gw = { proc, url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000 }) };
    gateways.push(gw);
    return gw;
  }

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const u = new URL(PG_URL!);
    u.searchParams.set('options', `-c search_path=${schema}`);
    dbUrl = u.toString();
    upstream = await startFakeUpstream();
    // 150 words, one every 20 ms: about 3 s of generation.
    upstream.setChatHandler((_req, res) => sendSse(res, textChunks(Array.from({ length: 150 }, (_, i) => `w${i} `)), { delayMs: 20 }));
  }, 60_000);

  afterAll(async () => {
    for (const g of gateways) {
      if (g.proc.child.exitCode === null) g.proc.child.kill('SIGKILL');
      await g.proc.exited;
    }
    await upstream?.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('resumes on another process after event k: exactly the events after k, no gap, no duplicate', async () => {
    const a = await startGateway();
    const b = await startGateway();
    const stream = await a.client.responses.create({ model: 'fake-model', input: 'hi', background: true, stream: true });
    const head: any[] = [];
    for await (const ev of stream) {
      head.push(ev);
      if (head.length === 20) break; // disconnect at event k
    }
    const id = head[0].response.id;
    const k = head.at(-1).sequence_number;
    const tail: any[] = [];
    for await (const ev of await b.client.responses.retrieve(id, { stream: true, starting_after: k })) tail.push(ev);
    const all = [...head, ...tail];
    expect(all.map((e) => e.sequence_number)).toEqual(all.map((_, i) => i));
    expect(tail[0].sequence_number).toBe(k + 1);
    expect(tail.at(-1).type).toBe('response.completed');
    const text = all.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    expect(text).toBe(Array.from({ length: 150 }, (_, i) => `w${i} `).join(''));
    expect((await b.client.responses.retrieve(id)).status).toBe('completed');
  }, 60_000);

  it('cancels from another process mid-generation: the owner aborts the upstream request', async () => {
    const [a, b] = gateways;
    const abortsBefore = upstream.aborts;
    const r = await a!.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
    await until(() => b!.client.responses.retrieve(r.id), (x) => x.status === 'in_progress' && x.id === r.id);
    await new Promise((res) => setTimeout(res, 200));
    const cancelled = await b!.client.responses.cancel(r.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await until(async () => upstream.aborts, (n) => n > abortsBefore)).toBeGreaterThan(abortsBefore);
    const seen = await a!.client.responses.retrieve(r.id);
    expect(seen.status).toBe('cancelled');
    expect(seen.output_text.length).toBeGreaterThan(0);
    expect(seen.output_text.length).toBeLessThan(150 * 4);
  }, 60_000);

  it('kill -9 of the owner mid-run: another process settles it failed within the lease time', async () => {
    const [a, b] = gateways;
    const r = await a!.client.responses.create({ model: 'fake-model', input: 'hi', background: true });
    await until(() => b!.client.responses.retrieve(r.id), (x) => x.status === 'in_progress');
    a!.proc.child.kill('SIGKILL');
    await a!.proc.exited;
    const killedAt = Date.now();
    const settled = await until(() => b!.client.responses.retrieve(r.id), (x) => x.status === 'failed', 15_000);
    expect(settled.status).toBe('failed');
    expect(settled.error?.code).toBe('background_run_lost');
    // Stored with its input like any response (the run row carried it while it lived).
    const input = await b!.client.responses.inputItems.list(r.id);
    expect(input.data.map((i: any) => i.type === 'message' && i.content[0].text)).toEqual(['hi']);
    // Lease, plus one sweep interval (a third of the lease), plus slack for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_SEC * 1000 * 4 + 5000);
    // A follower of the orphan gets its end too: the error event, then response.failed.
    const sse = await (await fetch(`${b!.url}/v1/responses/${r.id}?stream=true&starting_after=0`)).text();
    expect(sse).toMatch(/event: error\ndata: .*background_run_lost.*\n\nevent: response.failed\n/);
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  }, 60_000);
});

describe('background runs across the cluster workers of one SQLite gateway', () => {
  let upstream: FakeUpstream;
  let proc: CliProcess;
  let client: OpenAI;
  let url = '';
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-bg-sqlite-'));
    upstream = await startFakeUpstream();
    upstream.setChatHandler((_req, res) => sendSse(res, textChunks(Array.from({ length: 60 }, (_, i) => `w${i} `)), { delayMs: 20 }));
    const port = await freePort();
    proc = spawnCli(['serve', '--upstream', upstream.url, '--gateway-host', '127.0.0.1', '--gateway-port', String(port), '--gateway-workers', '2', '--code-interpreter', 'disabled'], {
      VR_DB_PATH: `sqlite:///${join(dir, 'bg.db')}`,
      VR_BACKGROUND_POLL_MS: '50',
      VR_SHUTDOWN_TIMEOUT_SEC: '2',
    });
    url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`, proc, 30_000);
    client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    // SIGTERM: the supervisor stops its workers (a short drain: idle keep-alive sockets only).
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGTERM');
    await proc?.exited;
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resume and cancel reach the run whichever worker answers (fresh connections spread over both)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await client.responses.create({ model: 'fake-model', input: `n${i}`, background: true })).id);
    // Each request on a new connection: the cluster spreads them over the workers.
    const fresh = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 20_000, fetchOptions: { dispatcher: new Agent() } });
    const cancelled = await fresh().responses.cancel(ids[0]!);
    expect(cancelled.status).toBe('cancelled');
    for (const id of ids.slice(1)) {
      const events: any[] = [];
      for await (const ev of await fresh().responses.retrieve(id, { stream: true, starting_after: 2 })) events.push(ev);
      expect(events[0].sequence_number).toBe(3);
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => 3 + i));
      expect(events.at(-1).type).toBe('response.completed');
    }
    expect((await fresh().responses.retrieve(ids[0]!)).status).toBe('cancelled');
  }, 60_000);
});
