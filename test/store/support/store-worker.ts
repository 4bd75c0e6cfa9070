/**
 * A store client in its own process, for the multi-process tests. Usage:
 *   node --import tsx store-worker.ts '<json WorkerTask>'
 * It opens the store, prints `ready`, waits for a line on stdin (so all workers start at the
 * same instant), runs its task, prints one `result <json>` line and exits.
 */
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { openStore, type BackendSpec } from '../../support/stores.js';
import { assistantMessage, rid, TEST_OWNER, turn, userMessage } from './records.js';

export type WorkerTask =
  | { mode: 'migrate'; spec: BackendSpec }
  /** `count` continuations, each from a random root or one of this worker's own responses. */
  | { mode: 'continue'; spec: BackendSpec; roots: string[]; count: number; parallel: number; worker: number }
  /**
   * Write forever (until killed): `lanes` concurrent chains of responses with many items. Each
   * response whose `put` resolved is printed as `acked <id>`: it must survive the kill.
   */
  | { mode: 'crash-writer'; spec: BackendSpec; roots: string[]; itemsPerResponse: number; lanes?: number };

export interface ContinueResult {
  written: { id: string; parentId: string; depth: number }[];
}

const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask;
const store = openStore(task.spec);

async function waitForGo(): Promise<void> {
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const _line of lines) break;
}

async function main(): Promise<void> {
  if (task.mode === 'migrate') {
    await waitForGo();
    await store.init();
    await store.close();
    process.stdout.write('result {}\n');
    return;
  }
  await store.init();
  if (task.mode === 'continue') {
    await waitForGo();
    const t = task;
    const depthOf = new Map<string, number>(t.roots.map((r) => [r, 0]));
    const pool = [...t.roots];
    const written: ContinueResult['written'] = [];
    let next = 0;
    const runOne = async (n: number): Promise<void> => {
      const parentId = pool[Math.floor(Math.random() * pool.length)]!;
      const history = await store.getHistory(parentId, TEST_OWNER);
      if (!history) throw new Error(`hydration of ${parentId} failed`);
      const depth = depthOf.get(parentId)! + 1;
      if (history.items.length !== depth * 2) throw new Error(`history of ${parentId} has ${history.items.length} items, expected ${depth * 2}`);
      const rec = turn(`w${t.worker}-${n}`, { parentId, metadata: { worker: String(t.worker), depth: String(depth) } });
      await store.put(rec);
      depthOf.set(rec.id, depth);
      pool.push(rec.id);
      written.push({ id: rec.id, parentId, depth });
    };
    const lanes = Array.from({ length: t.parallel }, async () => {
      while (next < t.count) await runOne(next++);
    });
    await Promise.all(lanes);
    await store.close();
    process.stdout.write(`result ${JSON.stringify({ written } satisfies ContinueResult)}\n`);
    return;
  }
  // crash-writer: runs until SIGKILL. Each record says how many items it has, so the checker
  // can prove that no response was stored partially.
  process.stdout.write('ready\n');
  const t = task;
  const lane = async (): Promise<never> => {
    let parentId: string | null = t.roots[Math.floor(Math.random() * t.roots.length)] ?? null;
    for (let n = 0; ; n++) {
      const half = Math.floor(t.itemsPerResponse / 2);
      const input = Array.from({ length: half }, (_, i) => userMessage(`crash ${n}.${i} ${'x'.repeat(300)}`));
      const output = Array.from({ length: t.itemsPerResponse - half }, (_, i) => assistantMessage(`crash ${n}.${i} ${'y'.repeat(300)}`));
      const rec = turn(`crash-${n}`, { id: rid(), parentId, input, output, metadata: { n_items: String(t.itemsPerResponse) } });
      await store.put(rec);
      // Synchronous write: the line is out before the next await, so a kill cannot lose it.
      writeSync(1, `acked ${rec.id}\n`);
      parentId = rec.id;
    }
  };
  await Promise.all(Array.from({ length: t.lanes ?? 1 }, lane));
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
