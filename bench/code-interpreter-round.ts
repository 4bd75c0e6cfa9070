// End-to-end cost of one code-interpreter round through the gateway, against the Python
// execution itself: a request whose model calls code_interpreter once and then answers, versus
// the same snippet posted straight to the helper. Run: npx tsx bench/code-interpreter-round.ts
import OpenAI from 'openai';
import { startCodeInterpreterServer } from '../src/helpers/code-interpreter-server/server.js';
import { chunk, sendSse } from '../test/support/fake-upstream.js';
import { startTestGateway } from '../test/support/gateway.js';
import { isEntryPoint } from './support/script.js';

const SNIPPETS: Record<string, string> = {
  trivial: 'print(1 + 1)',
  'busy ~50 ms': 'import time\nt = time.perf_counter()\nwhile time.perf_counter() - t < 0.05: pass\nprint("done")',
};
const ROUNDS = 40;

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function runCodeInterpreterRoundBench(): Promise<string> {
  const helper = await startCodeInterpreterServer({ host: '127.0.0.1', port: 0, workers: 0 });
  const helperUrl = `http://127.0.0.1:${helper.port}`;
  const gw = await startTestGateway({ codeInterpreterUrl: helperUrl, codeInterpreterToken: helper.token });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const rows: string[] = [];
  try {
    for (const [name, code] of Object.entries(SNIPPETS)) {
      // The scripted model answers instantly: all the time measured is the gateway and Python.
      gw.upstream.setChatHandler(async (req, res) => {
        const hasOutput = (req.body.messages as { role: string }[]).some((m) => m.role === 'tool');
        if (hasOutput) return sendSse(res, [chunk({ content: 'ok' }), chunk({}, 'stop')]);
        return sendSse(res, [chunk({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'code_interpreter', arguments: JSON.stringify({ code }) } }] }), chunk({}, 'tool_calls')]);
      });
      const direct: number[] = [];
      const executed: number[] = [];
      const e2e: number[] = [];
      let container: string | undefined;
      for (let i = 0; i < ROUNDS + 5; i++) {
        let t = performance.now();
        const res = await fetch(`${helperUrl}/python`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-vr-helper-token': helper.token }, body: JSON.stringify({ code }) });
        const body = (await res.json()) as { execution_time_ms: number };
        const d = performance.now() - t;
        t = performance.now();
        // One conversation's container (created by the first request), as a chat would use it.
        const r = await client.responses.create({ model: 'fake-model', input: 'run it', store: false, tools: [{ type: 'code_interpreter', container: container ?? { type: 'auto' } }] });
        container ??= (r.output.find((o) => o.type === 'code_interpreter_call') as { container_id: string } | undefined)?.container_id;
        const e = performance.now() - t;
        if (i >= 5) {
          direct.push(d);
          executed.push(body.execution_time_ms);
          e2e.push(e);
        }
      }
      rows.push(
        `| ${name} | ${p50(executed).toFixed(1)} ms | ${p50(direct).toFixed(1)} ms | ${p50(e2e).toFixed(1)} ms | +${(p50(e2e) - p50(direct)).toFixed(1)} ms |`,
      );
    }
  } finally {
    await gw.close();
    await helper.close();
  }
  return [
    '## Code interpreter round through the gateway',
    '',
    `p50 over ${ROUNDS} requests, in-process gateway and helper (sandboxed runtime processes; the gateway requests reuse one container), scripted model that answers instantly; \`store: false\`.`,
    'The gateway column is a whole request: upstream turn 1 (the call), the helper execution, upstream turn 2 (the answer).',
    '',
    '| snippet | Python execution (helper-reported) | helper HTTP round trip | gateway request with one round | gateway overhead vs helper round trip |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (isEntryPoint(import.meta.url)) {
  console.log(await runCodeInterpreterRoundBench());
  process.exit(0);
}
