/**
 * Entry of one gateway worker process (forked by workers.ts through node:cluster). It builds its
 * own upstream pool, store connection, metrics registry and tracer, shares the port with its
 * siblings, and drains when the supervisor asks (or on SIGTERM sent to it alone).
 */
import cluster from 'node:cluster';
import { readDeploymentSettings } from '../config/deployment-settings.js';
import { startGateway, type RunningGateway } from '../server/gateway.js';
import { createStoreFromEnv } from '../store/index.js';
import type { ResponseStore } from '../store/types.js';
import { installProcessErrorHandlers } from '../observability/process-errors.js';
import { drainGateway } from './drain.js';
import { startProcessObservability, type ProcessObservability } from './process-observability.js';
import { WORKER_CONFIG_ENV, WORKER_FAILED, WORKER_READY, isShutdownMessage, type WorkerConfig, type WorkerMessage } from './worker-protocol.js';

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!cluster.isWorker) throw new Error('the gateway worker entry must be started by `vllm-responses serve --gateway-workers N`');
  const config = JSON.parse(process.env[WORKER_CONFIG_ENV] ?? 'null') as WorkerConfig | null;
  if (!config) throw new Error(`${WORKER_CONFIG_ENV} is missing`);
  // Already validated by the supervisor; read again because each process owns its objects.
  const settings = readDeploymentSettings(process.env);
  const observed: ProcessObservability = startProcessObservability(settings, 'gateway');
  const log = observed.logger;
  installProcessErrorHandlers(log);
  let store: ResponseStore | null = null;
  let gateway: RunningGateway | null = null;
  let stopping: Promise<void> | null = null;

  const stop = (reason: string): void => {
    stopping ??= (async () => {
      log.info({ reason }, 'worker draining');
      if (gateway) await drainGateway(gateway, config.shutdownTimeoutMs, () => log.warn('shutdown timeout reached: closing remaining connections'));
      await store?.close();
      await observed.close();
      process.exit(0);
    })();
  };
  process.on('message', (message) => {
    if (isShutdownMessage(message)) stop('supervisor shutdown');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Ctrl+C reaches the whole process group: the supervisor coordinates the shutdown.
  process.on('SIGINT', () => {});
  // The supervisor is gone (killed): do not outlive it.
  process.on('disconnect', () => stop('supervisor exited'));

  store = createStoreFromEnv(process.env, log);
  await store.init();
  gateway = await startGateway({
    serve: config.serve,
    env: settings.env,
    store,
    codeInterpreterUrl: config.codeInterpreterUrl,
    mcpRuntimeUrl: config.mcpRuntimeUrl,
    observability: observed.obs,
  });
  send({ type: WORKER_READY });
}

main().catch((err: unknown) => {
  send({ type: WORKER_FAILED, error: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  // Let the IPC message leave before exiting.
  setTimeout(() => process.exit(1), 100).unref();
  process.disconnect?.();
});
