import { readDeploymentSettings, secretsOf, type DeploymentSettings } from '../config/deployment-settings.js';
import type { ServeOptions } from '../config/serve-options.js';
import { createLogger, createMetrics, type Logger } from '../observability/index.js';
import { readRunSettings } from '../config/run-settings.js';
import { installProcessErrorHandlers } from '../observability/process-errors.js';
import { startGateway, type RunningGateway } from '../server/gateway.js';
import type { SealedBlobs } from '../crypto/sealed-blob.js';
import { loadSealingKey } from '../crypto/sealing-key.js';
import { createStoreFromEnv, storeOptionsFromEnv } from '../store/index.js';
import type { ResponseStore } from '../store/types.js';
import { createUpstreamClient } from '../upstream/http-client.js';
import { startCodeInterpreter, type CodeInterpreterRuntime } from './code-interpreter-helper.js';
import { drainGateway, shutdownTimeoutMs } from './drain.js';
import { startMcpRuntime, type McpRuntime } from './mcp-runtime-helper.js';
import { startProcessObservability, type ProcessObservability } from './process-observability.js';
import { describeStartup } from './startup-summary.js';
import { waitForUpstream } from './wait-for-upstream.js';
import { startWorkers, type WorkerPool } from './workers.js';

/**
 * The two lines an operator must always see whatever VR_LOG_LEVEL says (the start-up summary and
 * a misconfiguration) go to stderr, prefixed, so they stand out from the JSON logs on stdout.
 */
function say(line: string): void {
  process.stderr.write(`[vllm-responses] ${line}\n`);
}

/** What serves requests: one in-process gateway, or a pool of cluster workers. */
interface Serving {
  url: string;
  pids: () => number[];
  stop(): Promise<void>;
}

async function serveInProcess(opts: ServeOptions, settings: DeploymentSettings, store: ResponseStore, sealedBlobs: SealedBlobs, codeInterpreter: CodeInterpreterRuntime, mcp: McpRuntime, timeoutMs: number): Promise<Serving> {
  const observed: ProcessObservability = startProcessObservability(settings, 'gateway');
  // The one process that records MCP start-ups (docs/observability.md): the in-process gateway.
  for (const s of mcp.servers) observed.obs.metrics?.mcpServerStartup.inc({ server_label: s.label, status: s.available ? 'success' : 'failure' });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      serve: opts,
      env: settings.env,
      store,
      sealedBlobs,
      codeInterpreterUrl: codeInterpreter.url,
      codeInterpreterToken: codeInterpreter.token,
      mcpRuntimeUrl: mcp.url,
      mcpRuntimeToken: mcp.token,
      observability: observed.obs,
    });
  } catch (err) {
    await observed.close();
    throw err;
  }
  return {
    url: gateway.url,
    pids: () => [process.pid],
    async stop() {
      await drainGateway(gateway, timeoutMs, () => observed.logger.warn('shutdown timeout reached: closing remaining connections'));
      await observed.close();
    },
  };
}

async function serveWorkers(opts: ServeOptions, settings: DeploymentSettings, codeInterpreter: CodeInterpreterRuntime, mcp: McpRuntime, timeoutMs: number, logger: Logger): Promise<Serving & { lost: Promise<string> }> {
  // With workers, the supervisor records MCP start-ups once, in a registry added to every scrape.
  const own = settings.env.metricsEnabled && mcp.servers.length ? createMetrics({ clusterWorker: false }) : null;
  for (const s of mcp.servers) own?.mcpServerStartup.inc({ server_label: s.label, status: s.available ? 'success' : 'failure' });
  const pool: WorkerPool = await startWorkers({
    count: opts.gatewayWorkers,
    config: {
      serve: opts,
      codeInterpreterUrl: codeInterpreter.url,
      codeInterpreterToken: codeInterpreter.token,
      mcpRuntimeUrl: mcp.url,
      mcpRuntimeToken: mcp.token,
      shutdownTimeoutMs: timeoutMs,
    },
    logger,
    metricsRegistries: own ? [own.registry] : [],
  });
  const host = opts.gatewayHost.includes(':') ? `[${opts.gatewayHost}]` : opts.gatewayHost;
  return { url: `http://${host}:${opts.gatewayPort}`, pids: pool.pids, stop: pool.stop, lost: pool.lost };
}

/**
 * `vllm-responses serve`: check configuration, open the store, start the helpers, wait for the
 * upstream, start the gateway (in process, or N cluster workers), and stop everything cleanly on
 * SIGINT/SIGTERM. Resolves with the exit code.
 */
export async function runServe(opts: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Every VR_* value is checked before anything starts: one clear line per misconfiguration.
  let settings: DeploymentSettings;
  let timeoutMs: number;
  try {
    settings = readDeploymentSettings(env);
    storeOptionsFromEnv(env);
    readRunSettings(env);
    timeoutMs = shutdownTimeoutMs(env);
  } catch (err) {
    say(`error: ${(err as Error).message}`);
    return 2;
  }
  const logger = createLogger({ name: 'supervisor', level: settings.log.level, secrets: secretsOf(settings.env) });
  installProcessErrorHandlers(logger);

  let store: ResponseStore | null = null;
  let serving: Serving | null = null;
  let codeInterpreter: CodeInterpreterRuntime | null = null;
  let mcp: McpRuntime | null = null;
  const stopping = new AbortController();
  let shutdown: Promise<number> | null = null;

  const stop = (reason: string, code = 0): Promise<number> => {
    if (shutdown) {
      logger.warn(`received ${reason} again: exiting now`);
      process.exit(1);
    }
    logger.info(`${reason}: draining in-flight requests (up to ${timeoutMs / 1000}s)`);
    stopping.abort();
    shutdown = (async () => {
      await serving?.stop();
      await codeInterpreter?.stop();
      await mcp?.stop();
      await store?.close();
      logger.info('stopped');
      logger.flush();
      return code;
    })();
    return shutdown;
  };

  const signalled = new Promise<number>((resolve) => {
    process.once('SIGINT', () => void stop('received SIGINT').then(resolve));
    process.once('SIGTERM', () => void stop('received SIGTERM').then(resolve));
  });

  // The supervisor opens the store first: migrations run once, and a bad database fails here.
  const openedStore = createStoreFromEnv(env, logger);
  try {
    await openedStore.init();
  } catch (err) {
    say(`error: cannot open the response store ${openedStore.description}: ${(err as Error).message}`);
    await openedStore.close().catch(() => {});
    return 1;
  }
  store = openedStore;
  // The sealing key is settled before any worker starts (generated and persisted if absent).
  let sealedBlobs: SealedBlobs;
  try {
    const loaded = await loadSealingKey(env, openedStore);
    sealedBlobs = loaded.blobs;
    logger.info(`sealing key for compaction / encrypted reasoning: ${loaded.source === 'env' ? 'VR_COMPACTION_KEY' : 'stored in the response store'} (key id ${loaded.blobs.keyId})`);
  } catch (err) {
    say(`error: cannot load the sealing key: ${(err as Error).message}`);
    await openedStore.close();
    return 1;
  }

  try {
    codeInterpreter = await startCodeInterpreter(opts, (line) => logger.info(line), env);
  } catch (err) {
    await openedStore.close();
    say(`error: ${(err as Error).message}`);
    return 1;
  }
  try {
    mcp = await startMcpRuntime(opts, (line) => logger.info(line), env);
  } catch (err) {
    await codeInterpreter.stop();
    await openedStore.close();
    say(`error: ${(err as Error).message}`);
    return 1;
  }

  const probe = createUpstreamClient({ baseUrl: opts.upstream, apiKey: settings.env.upstreamApiKey, http2: settings.env.upstreamHttp2 ?? false });
  logger.info(`waiting for upstream ${probe.baseUrl} (timeout ${opts.upstreamReadyTimeoutSec}s)`);
  try {
    await waitForUpstream(probe, {
      timeoutSec: opts.upstreamReadyTimeoutSec,
      intervalSec: opts.upstreamReadyIntervalSec,
      signal: stopping.signal,
      onWaiting: (reason, elapsed) => logger.warn(`upstream not ready after ${elapsed.toFixed(0)}s: ${reason}`),
    });
  } catch (err) {
    await codeInterpreter.stop();
    await mcp.stop();
    await openedStore.close();
    if (stopping.signal.aborted) return signalled;
    say(`error: ${(err as Error).message}`);
    return 1;
  } finally {
    await probe.close().catch(() => {});
  }

  let lost: Promise<string> | null = null;
  try {
    if (opts.gatewayWorkers > 1) {
      // Workers open their own store connections; the supervisor's is no longer needed.
      await openedStore.close();
      store = null;
      const pool = await serveWorkers(opts, settings, codeInterpreter, mcp, timeoutMs, logger);
      serving = pool;
      lost = pool.lost;
    } else {
      serving = await serveInProcess(opts, settings, openedStore, sealedBlobs, codeInterpreter, mcp, timeoutMs);
    }
  } catch (err) {
    say(`error: the gateway could not start: ${(err as Error).message}`);
    await codeInterpreter.stop();
    await mcp.stop();
    await store?.close();
    return 1;
  }

  say(describeStartup({ opts, settings, url: serving.url, pids: serving.pids(), upstreamBaseUrl: probe.baseUrl, store: openedStore.description, helpers: [codeInterpreter.describe, mcp.describe] }));
  if (lost) {
    void lost.then((reason) => {
      say(`error: ${reason}`);
      void stop('gateway workers lost', 1);
    });
  }
  return Promise.race([signalled, lost ? lost.then(() => shutdown ?? signalled) : signalled]);
}
