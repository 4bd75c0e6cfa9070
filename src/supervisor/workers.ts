/**
 * `--gateway-workers N`: the supervisor becomes the node:cluster primary and forks N gateway
 * workers sharing the port. It replaces a worker that dies, sums the workers' metrics for any
 * scrape (setupMetricsPrimary), and on shutdown asks every worker to drain and waits for them.
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import { setupMetricsPrimary, type Logger } from '../observability/index.js';
import { WORKER_CONFIG_ENV, WORKER_FAILED, WORKER_READY, WORKER_SHUTDOWN, isWorkerMessage, type WorkerConfig } from './worker-protocol.js';

/** The compiled worker entry, next to this file in dist/. */
const WORKER_ENTRY = fileURLToPath(new URL('./worker-entry.js', import.meta.url));

/** Replacements that die before becoming ready, in a row, before the supervisor gives up. */
const MAX_FAILED_REPLACEMENTS = 3;
const REPLACEMENT_BACKOFF_MS = 500;
/** Time a worker gets beyond the drain timeout to close its store and flush spans. */
const EXIT_GRACE_MS = 5_000;

export interface WorkerPoolOptions {
  count: number;
  config: WorkerConfig;
  logger: Logger;
  /** Start-up deadline per worker. */
  readyTimeoutMs?: number;
  /** The supervisor's own registries, added to every scrape (e.g. `mcp_server_startup_total`). */
  metricsRegistries?: readonly Registry[];
}

export interface WorkerPool {
  pids(): number[];
  /** Resolves (never rejects) with a reason if workers keep dying on start: the pool is lost. */
  readonly lost: Promise<string>;
  /** Asks every worker to drain, waits for all to exit, kills stragglers. */
  stop(): Promise<void>;
}

function describeExit(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`;
}

/** Forks one worker and resolves once it listens; rejects with its error if it dies first. */
function forkWorker(config: WorkerConfig, readyTimeoutMs: number): { worker: Worker; ready: Promise<void> } {
  const worker = cluster.fork({ [WORKER_CONFIG_ENV]: JSON.stringify(config) });
  const ready = new Promise<void>((resolve, reject) => {
    let error: string | null = null;
    const timer = setTimeout(() => {
      reject(new Error(`gateway worker ${worker.process.pid} did not start within ${readyTimeoutMs / 1000}s`));
      worker.process.kill('SIGKILL');
    }, readyTimeoutMs);
    const onMessage = (message: unknown): void => {
      if (!isWorkerMessage(message)) return;
      if (message.type === WORKER_FAILED) error = message.error;
      if (message.type === WORKER_READY) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(error ?? `gateway worker ${worker.process.pid} exited during start-up (${describeExit(code, signal)})`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
  return { worker, ready };
}

export async function startWorkers(options: WorkerPoolOptions): Promise<WorkerPool> {
  const { count, config, logger } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  // Workers inherit stdio: their JSON log lines interleave with the supervisor's on stdout.
  cluster.setupPrimary({ exec: WORKER_ENTRY, args: [], silent: false });
  const metricsPrimary = setupMetricsPrimary({ registries: options.metricsRegistries ?? [] });
  const workers = new Set<Worker>();
  let stopping = false;
  let failedReplacements = 0;
  let markLost: (reason: string) => void = () => {};
  const lost = new Promise<string>((resolve) => (markLost = resolve));

  const watch = (worker: Worker): void => {
    worker.once('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      logger.error({ worker_pid: worker.process.pid, code, signal }, `gateway worker ${worker.process.pid} exited unexpectedly (${describeExit(code, signal)}); starting a replacement`);
      void replace();
    });
  };

  const replace = async (): Promise<void> => {
    while (!stopping) {
      const { worker, ready } = forkWorker(config, readyTimeoutMs);
      workers.add(worker);
      try {
        await ready;
        failedReplacements = 0;
        logger.info({ worker_pid: worker.process.pid }, `replacement gateway worker ${worker.process.pid} is serving`);
        watch(worker);
        return;
      } catch (err) {
        workers.delete(worker);
        if (stopping) return;
        failedReplacements++;
        logger.error({ err }, `replacement gateway worker failed to start (${failedReplacements}/${MAX_FAILED_REPLACEMENTS})`);
        if (failedReplacements >= MAX_FAILED_REPLACEMENTS) {
          markLost(`gateway workers keep failing to start: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, REPLACEMENT_BACKOFF_MS));
      }
    }
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const alive = [...workers];
    const exits = alive.map((w) => (w.isDead() ? Promise.resolve() : new Promise<void>((r) => w.once('exit', () => r()))));
    for (const worker of alive) {
      if (worker.isConnected()) worker.send({ type: WORKER_SHUTDOWN }, () => {});
      else worker.process.kill('SIGTERM');
    }
    const deadline = setTimeout(() => {
      for (const worker of alive) {
        if (!worker.isDead()) {
          logger.warn({ worker_pid: worker.process.pid }, 'gateway worker did not exit in time: killing it');
          worker.process.kill('SIGKILL');
        }
      }
    }, config.shutdownTimeoutMs + EXIT_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(deadline);
    metricsPrimary.close();
  };

  // Initial start: every worker must come up, or the whole start-up fails with the first error.
  const initial = Array.from({ length: count }, () => forkWorker(config, readyTimeoutMs));
  for (const { worker } of initial) workers.add(worker);
  try {
    await Promise.all(initial.map((w) => w.ready));
  } catch (err) {
    await stop();
    throw err;
  }
  for (const { worker } of initial) watch(worker);

  return {
    pids: () => [...workers].map((w) => w.process.pid).filter((pid): pid is number => pid !== undefined),
    lost,
    stop,
  };
}
