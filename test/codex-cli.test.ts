import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunk, sendSse, textChunks, usageChunk, type RecordedRequest } from './support/fake-upstream.js';
import { freePort } from './support/cli.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The real OpenAI Codex CLI (`@openai/codex`, pinned dev dependency, its native binary) against
 * the gateway: `codex exec` with a throwaway CODEX_HOME whose config defines a custom provider
 * (`wire_api = "responses"`) pointing at the gateway, no network (proxies point at a closed
 * loopback port), sandbox and approvals off. The scripted upstream model runs a shell command
 * (`exec_command`), then edits a file with the freeform `apply_patch` custom tool, then answers.
 *
 * Codex's request carries what once made the gateway answer 400: `namespace` tools, `custom`
 * tools with a Lark grammar, `client_metadata`, `web_search` with `external_web_access` (and no
 * web-search profile on this gateway), `store: false`, `include: ["reasoning.encrypted_content"]`,
 * `reasoning.summary`, `prompt_cache_key`, developer messages with ids.
 */
const require = createRequire(import.meta.url);
const CODEX_JS = join(dirname(require.resolve('@openai/codex/package.json')), 'bin', 'codex.js');
const MODEL = 'fake-codex-model';
/** The unified diff grammar Codex gives its freeform apply_patch tool is checked by Codex itself. */
const PATCH = '*** Begin Patch\n*** Add File: greeting.txt\n+hello from the gateway\n*** End Patch\n';

let gw: TestGateway;
let home: string;
let work: string;
let closedPort: number;

/** Just enough model metadata for Codex to offer its freeform `apply_patch` tool. */
function modelCatalog(): string {
  return JSON.stringify({
    models: [
      {
        slug: MODEL,
        display_name: MODEL,
        description: 'scripted test model',
        supports_reasoning_summaries: true,
        support_verbosity: false,
        default_verbosity: null,
        apply_patch_tool_type: 'freeform',
        input_modalities: ['text'],
        truncation_policy: { mode: 'tokens', limit: 10000 },
        supports_parallel_tool_calls: true,
        context_window: 32000,
        reasoning_summary_format: 'experimental',
        default_reasoning_level: 'medium',
        supported_reasoning_levels: [{ effort: 'medium', description: 'medium' }],
        shell_type: 'shell_command',
        visibility: 'list',
        minimal_client_version: '0.0.1',
        supported_in_api: true,
        upgrade: null,
        priority: 0,
        base_instructions: 'You are a scripted test agent.',
        experimental_supported_tools: [],
      },
    ],
  });
}

beforeAll(async () => {
  gw = await startTestGateway({ sqliteStore: true });
  closedPort = await freePort();
  home = mkdtempSync(join(tmpdir(), 'vr-codex-home-'));
  work = mkdtempSync(join(tmpdir(), 'vr-codex-work-'));
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'catalog.json'), modelCatalog());
  writeFileSync(
    join(home, 'config.toml'),
    [
      `model_catalog_json = ${JSON.stringify(join(home, 'catalog.json'))}`,
      `model = "${MODEL}"`,
      'model_provider = "gateway"',
      'approval_policy = "never"',
      'sandbox_mode = "danger-full-access"',
      '[model_providers.gateway]',
      'name = "vllm-responses"',
      `base_url = "${gw.url}/v1"`,
      'wire_api = "responses"',
      'env_key = "VR_TEST_CODEX_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      // The same gateway over WebSocket mode: Codex connects to GET /v1/responses, prewarms the
      // connection with `generate: false`, then runs every turn over that socket.
      '[model_providers.gateway_ws]',
      'name = "vllm-responses (WebSocket)"',
      `base_url = "${gw.url}/v1"`,
      'wire_api = "responses"',
      'env_key = "VR_TEST_CODEX_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      'supports_websockets = true',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await gw.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function runCodex(prompt: string, provider = 'gateway', logLevel = 'error'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proxy = `http://127.0.0.1:${closedPort}`;
  const child = spawn(process.execPath, [CODEX_JS, 'exec', '-c', `model_provider="${provider}"`, '--skip-git-repo-check', '--cd', work, prompt], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CODEX_HOME: home,
      VR_TEST_CODEX_KEY: 'test-key',
      HTTPS_PROXY: proxy,
      HTTP_PROXY: proxy,
      https_proxy: proxy,
      http_proxy: proxy,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      RUST_LOG: logLevel,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function messages(req: RecordedRequest): any[] {
  return req.body.messages;
}

/** Turn n of the scripted model: shell command, then the patch, then the final answer. */
function scriptedCodexModel(): void {
  gw.upstream.setChatHandler(async (req, res) => {
    const toolResults = messages(req).filter((m) => m.role === 'tool');
    if (toolResults.length === 0) {
      await sendSse(res, [
        chunk({ role: 'assistant', reasoning_content: 'First I look around.' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_sh1', type: 'function', function: { name: 'exec_command', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify({ cmd: 'echo codex-was-here > seen.txt && cat seen.txt' }) } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(500, 20),
      ]);
      return;
    }
    if (toolResults.length === 1) {
      const args = JSON.stringify({ input: PATCH });
      await sendSse(res, [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_patch1', type: 'function', function: { name: 'apply_patch', arguments: args.slice(0, 20) } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(20) } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(600, 30),
      ]);
      return;
    }
    await sendSse(res, textChunks(['All ', 'done: greeting.txt created.']));
  });
}

describe('OpenAI Codex CLI (codex exec, wire_api = "responses")', () => {
  it('over WebSocket mode: prewarms with generate:false and runs the whole turn on the socket', { timeout: 120_000 }, async () => {
    scriptedCodexModel();
    rmSync(join(work, 'greeting.txt'), { force: true });
    const before = gw.upstream.requests.length;
    // At info level Codex logs which transport each step used (pinned version: stable wording).
    const result = await runCodex('Create greeting.txt', 'gateway_ws', 'info');
    const upstream = gw.upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
    const context = `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr.slice(-3000)}`;
    expect(result.code, context).toBe(0);
    expect(result.stdout).toContain('All done: greeting.txt created.');
    expect(readFileSync(join(work, 'greeting.txt'), 'utf8')).toBe('hello from the gateway\n');
    expect(result.stderr).toContain('successfully connected to Responses WebSocket status=101');
    // The warm-up was accepted (it used to be refused: "Unknown parameter: 'generate'") and called no model.
    expect(result.stderr).toContain('startup_prewarm_websocket_warmup');
    expect(result.stderr).not.toMatch(/prewarm setup failed|HTTPS fallback|falling back to HTTP/i);
    expect(result.stderr).toContain('stream_responses_websocket');
    expect(upstream.length, context).toBe(3);
  });

  it('completes a turn with a shell command and an apply_patch custom tool round trip', { timeout: 120_000 }, async () => {
    scriptedCodexModel();
    rmSync(join(work, 'greeting.txt'), { force: true });
    const before = gw.upstream.requests.length;
    const result = await runCodex('Create greeting.txt');
    const upstream = gw.upstream.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
    const context = `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr.slice(-3000)}`;
    expect(upstream.length, context).toBe(3);
    expect(result.code, context).toBe(0);
    expect(result.stdout).toContain('All done: greeting.txt created.');

    // Codex ran the command and applied the patch in the workspace.
    expect(readFileSync(join(work, 'seen.txt'), 'utf8')).toBe('codex-was-here\n');
    expect(existsSync(join(work, 'greeting.txt'))).toBe(true);
    expect(readFileSync(join(work, 'greeting.txt'), 'utf8')).toBe('hello from the gateway\n');

    // What the model was shown: functions only; the custom tool carries its grammar.
    const first = upstream[0]!.body;
    const names = first.tools.map((t: any) => t.function.name);
    expect(names).toContain('exec_command');
    expect(names).toContain('apply_patch');
    expect(names.some((n: string) => n.startsWith('multi_agent_v1__'))).toBe(true);
    expect(names).not.toContain('web_search');
    const patchTool = first.tools.find((t: any) => t.function.name === 'apply_patch').function;
    expect(patchTool.parameters.required).toEqual(['input']);
    expect(patchTool.description).toContain('Lark grammar');
    expect(first.cache_salt).toBeTruthy();

    // Turn 2 replays the shell call (stateless, store: false) with its output.
    const second = messages(upstream[1]!);
    expect(second.find((m) => m.role === 'assistant')).toMatchObject({ reasoning: 'First I look around.', tool_calls: [{ id: 'call_sh1', function: { name: 'exec_command' } }] });
    expect(second.find((m) => m.role === 'tool' && m.tool_call_id === 'call_sh1').content).toContain('codex-was-here');
    // Turn 3 replays the custom tool call as the function call the model made, and its output.
    const third = messages(upstream[2]!);
    const patchCall = third.flatMap((m) => m.tool_calls ?? []).find((c: any) => c.id === 'call_patch1');
    expect(JSON.parse(patchCall.function.arguments)).toEqual({ input: PATCH });
    expect(third.find((m) => m.role === 'tool' && m.tool_call_id === 'call_patch1')).toBeDefined();
  });
});
