// `vllm serve MODEL --responses`: the real vLLM on a private loopback port, the gateway on the
// public --host/--port in front of it (gateway routes served, everything else proxied to vLLM),
// one lifetime for both: whichever ends first, the other follows.
import { readDeploymentSettings, secretsOf, type DeploymentSettings } from '../../config/deployment-settings.js';
import type { ServeOptions } from '../../config/serve-options.js';
import { createLogger } from '../../observability/index.js';
import { startGateway, type RunningGateway } from '../../server/gateway.js';
import { createStoreFromEnv, storeOptionsFromEnv } from '../../store/index.js';
import type { ResponseStore } from '../../store/types.js';
import { startCodeInterpreter, type CodeInterpreterRuntime } from '../code-interpreter-helper.js';
import { drainGateway, shutdownTimeoutMs } from '../drain.js';
import { startMcpRuntime, type McpRuntime } from '../mcp-runtime-helper.js';
import { startProcessObservability, type ProcessObservability } from '../process-observability.js';
import { describeStartup } from '../startup-summary.js';
import { freeLoopbackPort } from './free-port.js';
import { VllmServer } from './vllm-server.js';

export interface IntegratedPlan {
  vllmBin: string;
  /** `serve MODEL …` minus every --responses* flag and the public --host/--port. */
  vllmArgs: string[];
  /** Environment for vLLM (ours, plus the shim's own recursion guard). */
  vllmEnv: NodeJS.ProcessEnv;
  /** The gateway's configuration; `upstream` is filled in with vLLM's private address. */
  serve: Omit<ServeOptions, 'upstream'>;
  /** vLLM's `--api-key`, if given: the gateway's own calls to vLLM must carry it. */
  vllmApiKey: string | null;
  readyTimeoutSec: number;
}

/** Where vLLM's own copy of a path the gateway owns stays reachable (`/vllm/metrics`). */
export const VLLM_ALIAS_PREFIX = '/vllm';

/** Lines an operator must see whatever VR_LOG_LEVEL says (summary, errors, vLLM's fate). */
function say(line: string): void {
  process.stderr.write(`[integrated] ${line}\n`);
}

// vLLM tears down engine processes and frees GPU memory on SIGTERM; give it time before SIGKILL.
const VLLM_STOP_GRACE_MS = Number(process.env.VR_VLLM_STOP_GRACE_SEC ?? 20) * 1000;

/** Runs until a signal or vLLM's exit; resolves with the process exit code. */
export async function runIntegrated(plan: IntegratedPlan, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // Every VR_* value is checked before vLLM starts loading a model for minutes.
  let settings: DeploymentSettings;
  let timeoutMs: number;
  try {
    settings = readDeploymentSettings(env);
    storeOptionsFromEnv(env);
    timeoutMs = shutdownTimeoutMs(env);
  } catch (err) {
    say(`error: ${(err as Error).message}`);
    return 2;
  }
  if (!settings.env.upstreamApiKey && plan.vllmApiKey) settings = { ...settings, env: { ...settings.env, upstreamApiKey: plan.vllmApiKey } };
  const logger = createLogger({ name: 'integrated', level: settings.log.level, secrets: secretsOf(settings.env) });

  const port = await freeLoopbackPort();
  say(`starting vLLM: ${[plan.vllmBin, ...plan.vllmArgs].join(' ')} (private address http://127.0.0.1:${port})`);
  const vllm = new VllmServer({ bin: plan.vllmBin, args: plan.vllmArgs, port, env: plan.vllmEnv });

  const stopping = new AbortController();
  let store: ResponseStore | null = null;
  let codeInterpreter: CodeInterpreterRuntime | null = null;
  let mcp: McpRuntime | null = null;
  let gateway: RunningGateway | null = null;
  let observed: ProcessObservability | null = null;
  let finishing: Promise<number> | null = null;
  let settle: (code: Promise<number>) => void = () => {};
  const result = new Promise<number>((resolve) => (settle = resolve));

  const startup = (async () => {
    // vLLM loads its model meanwhile: the store and helpers start in its shadow.
    const opened = createStoreFromEnv(env, logger);
    store = opened;
    await opened.init().catch((err: unknown) => {
      throw new Error(`cannot open the response store ${opened.description}: ${(err as Error).message}`);
    });
    if (stopping.signal.aborted) return;
    const serve: ServeOptions = { ...plan.serve, upstream: vllm.url };
    codeInterpreter = await startCodeInterpreter(serve, (line) => logger.info(line), env);
    if (stopping.signal.aborted) return;
    mcp = await startMcpRuntime(serve, (line) => logger.info(line), env);
    if (stopping.signal.aborted) return;
    logger.info(`waiting for vLLM to be ready at ${vllm.url}/health (timeout ${plan.readyTimeoutSec}s)`);
    await vllm.waitReady(plan.readyTimeoutSec * 1000, stopping.signal);
    observed = startProcessObservability(settings, 'gateway');
    for (const s of mcp.servers) observed.obs.metrics?.mcpServerStartup.inc({ server_label: s.label, status: s.available ? 'success' : 'failure' });
    gateway = await startGateway({
      serve,
      env: settings.env,
      store: opened,
      // The helpers' per-start tokens, handed over in memory exactly as `serve` does (never argv).
      codeInterpreterUrl: codeInterpreter.url,
      codeInterpreterToken: codeInterpreter.token,
      mcpRuntimeUrl: mcp.url,
      mcpRuntimeToken: mcp.token,
      observability: observed.obs,
      fallbackProxy: { origin: vllm.url, aliasPrefix: VLLM_ALIAS_PREFIX },
    });
    const summary = describeStartup({ opts: serve, settings, url: gateway.url, pids: [process.pid], upstreamBaseUrl: `${vllm.url}/v1`, store: opened.description, helpers: [codeInterpreter.describe, mcp.describe] });
    say(`${summary} | vLLM pid ${vllm.pid}: every other route is proxied to it (its own /metrics at ${VLLM_ALIAS_PREFIX}/metrics)`);
  })();

  /** Stops everything once, in order: gateway drains (vLLM still serving it), vLLM, helpers, store. */
  const finish = (code: number | 'vllm'): Promise<number> => {
    if (finishing) return finishing;
    stopping.abort();
    finishing = (async () => {
      await startup.catch(() => {});
      if (gateway) {
        const running = gateway;
        // A keep-alive connection whose last response ends during the drain would otherwise
        // hold close() open until its keep-alive timeout; close such connections as they idle.
        const reaper = setInterval(() => running.app.server.closeIdleConnections(), 100);
        await drainGateway(running, timeoutMs, () => say('shutdown timeout reached: closing remaining connections')).catch((err: unknown) =>
          say(`gateway close failed: ${(err as Error).message}`),
        );
        clearInterval(reaper);
      }
      const vllmCode = await vllm.stop(VLLM_STOP_GRACE_MS);
      await (codeInterpreter as CodeInterpreterRuntime | null)?.stop();
      await (mcp as McpRuntime | null)?.stop();
      await (store as ResponseStore | null)?.close();
      await (observed as ProcessObservability | null)?.close();
      say('stopped');
      logger.flush();
      return code === 'vllm' ? vllmCode : code;
    })();
    return finishing;
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (finishing) {
        say(`received ${signal} again: exiting now`);
        process.exit(1); // vLLM's process group is killed by VllmServer's exit hook.
      }
      say(`received ${signal}: draining in-flight requests (up to ${timeoutMs / 1000}s), then stopping vLLM`);
      settle(finish(0));
    });
  }

  void vllm.exited.then((code) => {
    if (finishing) return;
    if (gateway) {
      say(`vLLM exited with code ${code}: stopping the gateway`);
      settle(finish('vllm'));
    } else {
      say(`error: vLLM exited with code ${code} before it was ready; see its output above`);
      settle(finish(code === 0 ? 1 : code));
    }
  });

  startup.catch((err: unknown) => {
    if (finishing) return;
    say(`error: ${(err as Error).message}`);
    settle(finish(1));
  });

  return result;
}
