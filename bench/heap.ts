// Does the gateway keep anything per request? Rounds of mixed requests (JSON and streaming,
// store on and off) through an in-process gateway, with a forced GC after each round: the live
// heap must stay flat. RSS is reported too, but RSS alone cannot show a leak (V8 and the
// allocator keep memory they have grown into). Run: npx tsx bench/heap.ts
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { sendSse, startFakeUpstream, textChunks } from '../test/support/fake-upstream.js';
import { startTestGateway } from '../test/support/gateway.js';
import { isEntryPoint } from './support/script.js';

const ROUNDS = 10;
const PER_ROUND = 1500;

/** Runs inside a child started with --expose-gc; prints one JSON line per round. */
async function measure(): Promise<void> {
  const upstream = await startFakeUpstream({ record: false });
  upstream.setChatHandler((_req, res) => sendSse(res, textChunks(Array.from({ length: 50 }, (_, i) => `t${i} `))));
  const gw = await startTestGateway({ upstream, sqliteStore: true });
  const agent = new Agent({ connections: 64 });
  const gc = (globalThis as { gc?: () => void }).gc!;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const body = JSON.stringify({ model: 'm', input: 'hi', stream: i % 2 === 0, store: i % 3 === 0 });
        jobs.push(request(`${gw.url}/v1/responses`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body }).then((r) => r.body.text().then(() => undefined)));
      }
      await Promise.all(jobs);
      gc();
      await new Promise((r) => setTimeout(r, 100));
      gc();
      const m = process.memoryUsage();
      console.log(JSON.stringify({ round, heapUsed: m.heapUsed, rss: m.rss }));
    }
  } finally {
    await agent.close();
    await gw.close();
    await upstream.close();
  }
}

export async function runHeapBench(): Promise<string> {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--measure'], { encoding: 'utf8', timeout: 300_000 });
  const rows = child.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { round: number; heapUsed: number; rss: number });
  if (rows.length < 2) throw new Error(`heap bench produced no data: ${child.stderr.slice(-500)}`);
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const first = rows[1]!; // round 0 includes warm-up allocations (JIT, pools)
  const last = rows.at(-1)!;
  const growthPerRequest = (last.heapUsed - first.heapUsed) / ((last.round - first.round) * PER_ROUND);
  return [
    '## Live heap across repeated load (in-process gateway, forced GC)',
    '',
    `${ROUNDS} rounds × ${PER_ROUND} requests (half streaming with 50 deltas, a third stored in SQLite), 64 concurrent; live heap after a forced GC at the end of each round.`,
    '',
    '| round | heap used after GC | RSS |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.round} | ${mib(r.heapUsed)} MiB | ${mib(r.rss)} MiB |`),
    '',
    `Heap change from round 1 to round ${last.round}: ${mib(last.heapUsed - first.heapUsed)} MiB (${growthPerRequest.toFixed(1)} bytes per request): ${Math.abs(growthPerRequest) < 50 ? '**no per-request retention**' : '**growth — investigate**'}.`,
    '',
  ].join('\n');
}

if (isEntryPoint(import.meta.url)) {
  if (process.argv.includes('--measure')) await measure();
  else console.log(await runHeapBench());
  process.exit(0);
}
