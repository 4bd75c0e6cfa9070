// The attacks of issue 9, each through the real gateway with the official `openai` SDK and two
// API keys: host files and environment, state across keys, container reuse by another key,
// memory bombs, and abandoned busy loops. The code the "model" runs is whatever the user
// message says after `RUN:`, so each test chooses the attacker's code directly.
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodeInterpreterServer, type CodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { readAttemptsCode } from './code-interpreter/attacks.js';
import { chunk, sendSse, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const KEY_A = 'sk-alice-0123456789abcdef';
const KEY_B = 'sk-bob-fedcba9876543210';
const MEMORY_MB = 512;
const CANARY = `canary-${Math.random().toString(36).slice(2)}`;
const DB_SECRET = `db-secret-${Math.random().toString(36).slice(2)}`;

let dir: string;
let helper: CodeInterpreterServer;
let gw: TestGateway;
let alice: OpenAI;
let bob: OpenAI;
let clientAgent: Agent;
const savedApiKeys = process.env.VR_API_KEYS;

function codeCallChunks(code: string): Record<string, unknown>[] {
  const args = JSON.stringify({ code });
  return [
    chunk({ role: 'assistant', content: null }),
    chunk({ tool_calls: [{ index: 0, id: `call_${Math.random().toString(36).slice(2, 10)}`, type: 'function', function: { name: 'code_interpreter', arguments: '' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: args } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(40, 20),
  ];
}

/** Runs the code after `RUN:` in the latest user message; then answers with the tool output. */
async function runThenAnswer(req: RecordedRequest, res: Parameters<Parameters<TestGateway['upstream']['setChatHandler']>[0]>[1]): Promise<void> {
  const messages: { role: string; content: unknown }[] = req.body.messages;
  const last = messages.at(-1)!;
  if (last.role === 'tool') return sendSse(res, [chunk({ content: `Result: ${String(last.content)}` }), chunk({}, 'stop'), usageChunk(80, 6)]);
  const text = typeof last.content === 'string' ? last.content : JSON.stringify(last.content);
  return sendSse(res, codeCallChunks(text.slice(text.indexOf('RUN:') + 4)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vr-sandbox-'));
  writeFileSync(join(dir, 'canary.txt'), CANARY);
  const db = new Database(join(dir, 'store.db'));
  db.exec('CREATE TABLE secrets (value TEXT)');
  db.prepare('INSERT INTO secrets VALUES (?)').run(DB_SECRET);
  db.close();
  // What an operator's environment holds: the runtimes must never see it.
  process.env.VR_API_KEYS = `${KEY_A},${KEY_B}`;
  helper = await startCodeInterpreterServer({ port: 0, workers: 3, timeoutMs: 60_000, memoryLimitMb: MEMORY_MB, containers: { spares: 2 } });
  gw = await startTestGateway({ sqliteStore: true, env: { apiKeys: [KEY_A, KEY_B] }, codeInterpreterUrl: `http://127.0.0.1:${helper.port}`, codeInterpreterToken: helper.token });
  gw.upstream.setChatHandler(runThenAnswer);
  clientAgent = new Agent();
  const fetchVia = ((url: string, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: clientAgent })) as unknown as typeof fetch;
  alice = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEY_A, maxRetries: 0, timeout: 180_000, fetch: fetchVia });
  bob = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: KEY_B, maxRetries: 0, timeout: 180_000, fetch: fetchVia });
}, 180_000);

afterAll(async () => {
  if (savedApiKeys === undefined) delete process.env.VR_API_KEYS;
  else process.env.VR_API_KEYS = savedApiKeys;
  // Clients first: the streams the loop test abandoned leave keep-alive sockets behind.
  await clientAgent?.destroy();
  await gw?.close();
  await helper?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  response: OpenAI.Responses.Response;
  logs: string;
  containerId: string;
}

async function run(client: OpenAI, code: string, opts: { container?: string; previous?: string } = {}): Promise<Run> {
  const response = await client.responses.create({
    model: 'fake-model',
    input: `RUN:${code}`,
    tools: [{ type: 'code_interpreter', container: opts.container ?? { type: 'auto' } }],
    include: ['code_interpreter_call.outputs'],
    ...(opts.previous ? { previous_response_id: opts.previous } : {}),
  });
  const call = response.output.find((o) => o.type === 'code_interpreter_call') as OpenAI.Responses.ResponseCodeInterpreterToolCall;
  const logs = (call.outputs ?? []).map((o) => (o.type === 'logs' ? o.logs : '')).join('\n');
  return { response, logs, containerId: call.container_id };
}

describe('code interpreter sandbox through the gateway (two API keys)', () => {
  it('cannot read host files or the host environment through any loader', async () => {
    const paths = ['/etc/passwd', '/proc/self/environ', join(dir, 'store.db'), join(dir, 'canary.txt')];
    const { logs } = await run(alice, readAttemptsCode(paths));
    expect(logs).toContain('ENV ');
    // Every attempt ran and was refused (or produced nothing of the host).
    expect(logs.match(/refused/g)?.length ?? 0).toBeGreaterThanOrEqual(paths.length * 10);
    for (const secret of ['root:x:0:0', CANARY, DB_SECRET, 'SQLite format 3', KEY_A, KEY_B, 'VR_API_KEYS', process.env.PATH ?? '/usr/bin:']) {
      expect(logs).not.toContain(secret);
    }
  }, 180_000);

  it('keeps files, modules and audit hooks of one key away from the other key', async () => {
    const plant = [
      "open('/tmp/alice.txt', 'w').write('alice private data')",
      'import sys',
      // Self-contained (each call's globals are fresh): logs every later exec in this container.
      "sys.addaudithook((lambda f: lambda event, args: (f.write(repr(args)[:200] + '\\n'), f.flush()) if event == 'exec' else None)(open('/tmp/hook.log', 'a')))",
      "sys.modules['alice_module'] = sys",
      "print('planted')",
    ].join('\n');
    const a1 = await run(alice, plant);
    expect(a1.logs).toContain('planted');
    const b = await run(bob, "import os, sys\nprint('BOB-MARKER', os.path.exists('/tmp/alice.txt'), os.path.exists('/tmp/hook.log'), 'alice_module' in sys.modules)");
    expect(b.logs).toContain('BOB-MARKER False False False');
    expect(b.containerId).not.toBe(a1.containerId);
    // Alice's own conversation keeps its container: her file and hook are there, Bob's code is not.
    const a2 = await run(alice, "print(open('/tmp/alice.txt').read())\nprint(open('/tmp/hook.log').read())", { previous: a1.response.id });
    expect(a2.containerId).toBe(a1.containerId);
    expect(a2.logs).toContain('alice private data');
    expect(a2.logs).not.toContain('BOB-MARKER');
  }, 180_000);

  it('refuses a container id of another key (not found), and lets its owner reuse it', async () => {
    const a = await run(alice, "open('/tmp/mine.txt', 'w').write('owned by alice')");
    const err = await run(bob, "print(open('/tmp/mine.txt').read())", { container: a.containerId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
    expect((err as Error).message).toContain('not found');
    expect(JSON.stringify(err)).not.toContain('owned by alice');
    const again = await run(alice, "print(open('/tmp/mine.txt').read())", { container: a.containerId });
    expect(again.logs).toContain('owned by alice');
    expect(again.containerId).toBe(a.containerId);
    const unknown = await run(alice, '1', { container: 'cntr_doesnotexist000000000000000' }).catch((e: unknown) => e);
    expect((unknown as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
  }, 180_000);

  it('ends memory bombs (JS ArrayBuffers and Python) without the runtime exceeding its limit', async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, runtimeRssBytes())), 25);
    try {
      const js = await run(alice, 'import js\nkeep = []\nfor i in range(8):\n    keep.append(js.Uint8Array.new(256 * 1024 * 1024).fill(1))');
      expect(js.logs).toMatch(/memory|allocation failed|MemoryError/i);
      const py = await run(alice, 'keep = []\nwhile True:\n    keep.append(bytearray(64 * 1024 * 1024))');
      expect(py.logs).toMatch(/MemoryError|memory limit/);
      // The next run in the same conversation works.
      const after = await run(alice, 'print(6 * 7)', { previous: py.response.id });
      expect(after.logs).toContain('42');
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(MEMORY_MB * 1024 * 1024 * 1.1);
  }, 240_000);

  it("stops abandoned busy loops at once, so they do not delay another key's run", async () => {
    const warm = await run(bob, "print('bob ready')");
    const loops = [1, 2, 3].map(async () => {
      const stream = await alice.responses.create({ model: 'fake-model', input: 'RUN:while True: pass', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }], stream: true });
      const started = Date.now();
      for await (const event of stream) {
        // Leave once the code runs (or after a while if it is still waiting for a runtime).
        if (event.type === 'response.code_interpreter_call.interpreting' || Date.now() - started > 1500) break;
      }
    });
    await Promise.all(loops);
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = performance.now();
    const b = await run(bob, "print('bob again')", { previous: warm.response.id });
    const took = performance.now() - t0;
    expect(b.logs).toContain('bob again');
    // Its own time is a few hundred ms; generous for a loaded machine, far below a loop's 60 s timeout.
    expect(took).toBeLessThan(10_000);
    const deadline = Date.now() + 10_000;
    let health: Record<string, number> = {};
    while (Date.now() < deadline) {
      health = (await (await fetch(`http://127.0.0.1:${helper.port}/health`)).json()) as Record<string, number>;
      if (health.running === 0 && health.queued === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(health).toMatchObject({ running: 0, queued: 0 });
  }, 240_000);
});

/** Largest resident size among this process's runtime children (the sandboxed processes). */
function runtimeRssBytes(): number {
  let max = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('runtime-child')) continue;
      max = Math.max(max, Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // gone meanwhile
    }
  }
  return max;
}
