/** Start store-worker.ts processes and drive them (ready → go → result). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerTask } from './store-worker.js';

const SCRIPT = fileURLToPath(new URL('./store-worker.ts', import.meta.url));

export interface WorkerHandle {
  child: ChildProcess;
  /** Resolves once the worker printed `ready`. */
  ready: Promise<void>;
  /** Resolves with the parsed `result` line when the worker exits 0; rejects otherwise. */
  result: Promise<unknown>;
  go(): void;
  /** Everything the worker printed on stdout so far. */
  stdout(): string;
}

export function startWorker(task: WorkerTask): WorkerHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify(task)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready\n')) markReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.on('error', () => undefined);
  const result = new Promise<unknown>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith('result '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('result '.length)));
      else reject(new Error(`worker exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
    });
  });
  // Keep `result` from being an unhandled rejection when a test only awaits `ready`.
  result.catch(() => undefined);
  return {
    child,
    ready: Promise.race([ready, result.then(() => undefined)]),
    result,
    go: () => child.stdin!.end('go\n'),
    stdout: () => stdout,
  };
}

/** Start all, wait until every one is ready, release them together, collect results. */
export async function runTogether(tasks: WorkerTask[]): Promise<unknown[]> {
  const workers = tasks.map(startWorker);
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    return await Promise.all(workers.map((w) => w.result));
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  }
}
