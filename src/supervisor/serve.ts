import { readEnvSettings } from '../config/env.js';
import type { ServeOptions } from '../config/serve-options.js';
import { startGateway, type RunningGateway } from '../server/gateway.js';
import { createStoreFromEnv } from '../store/index.js';
import type { ResponseStore } from '../store/types.js';
import { createUpstreamClient } from '../upstream/http-client.js';
import { startCodeInterpreter, type CodeInterpreterRuntime } from './code-interpreter-helper.js';
import { waitForUpstream } from './wait-for-upstream.js';

/** Supervisor lines go to stderr, prefixed, so they stand out from request logs. */
function say(line: string): void {
  process.stderr.write(`[vllm-responses] ${line}\n`);
}

const SHUTDOWN_TIMEOUT_MS = Number(process.env.VR_SHUTDOWN_TIMEOUT_SEC ?? 30) * 1000;

/**
 * `vllm-responses serve`: check configuration, open the store, wait for the upstream, start
 * the gateway, and stop everything cleanly on SIGINT/SIGTERM. Resolves with the exit code.
 */
export async function runServe(opts: ServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = readEnvSettings(env);
  if (opts.upstreamApiKind === 'responses') {
    say('error: --upstream-api-kind responses is not yet supported; use chat_completions.');
    return 2;
  }

  let store: ResponseStore | null = null;
  let gateway: RunningGateway | null = null;
  let codeInterpreter: CodeInterpreterRuntime | null = null;
  const stopping = new AbortController();
  let shutdown: Promise<number> | null = null;

  const stop = (signal: string): Promise<number> => {
    if (shutdown) {
      say(`received ${signal} again: exiting now`);
      process.exit(1);
    }
    say(`received ${signal}: draining in-flight requests (up to ${SHUTDOWN_TIMEOUT_MS / 1000}s)`);
    stopping.abort();
    shutdown = (async () => {
      const timer = setTimeout(() => {
        say('shutdown timeout reached: closing remaining connections');
        gateway?.app.server.closeAllConnections();
      }, SHUTDOWN_TIMEOUT_MS);
      timer.unref();
      await gateway?.close();
      await codeInterpreter?.stop();
      await store?.close();
      clearTimeout(timer);
      say('stopped');
      return 0;
    })();
    return shutdown;
  };

  const signalled = new Promise<number>((resolve) => {
    process.once('SIGINT', () => void stop('SIGINT').then(resolve));
    process.once('SIGTERM', () => void stop('SIGTERM').then(resolve));
  });

  const openedStore = createStoreFromEnv(env);
  store = openedStore;
  await openedStore.init();

  try {
    codeInterpreter = await startCodeInterpreter(opts, say, env);
  } catch (err) {
    await openedStore.close();
    say(`error: ${(err as Error).message}`);
    return 1;
  }

  const probe = createUpstreamClient({ baseUrl: opts.upstream, apiKey: settings.upstreamApiKey });
  say(`waiting for upstream ${probe.baseUrl} (timeout ${opts.upstreamReadyTimeoutSec}s)`);
  try {
    await waitForUpstream(probe, {
      timeoutSec: opts.upstreamReadyTimeoutSec,
      intervalSec: opts.upstreamReadyIntervalSec,
      signal: stopping.signal,
      onWaiting: (reason, elapsed) => say(`upstream not ready after ${elapsed.toFixed(0)}s: ${reason}`),
    });
  } catch (err) {
    await probe.close();
    await codeInterpreter.stop();
    await openedStore.close();
    if (stopping.signal.aborted) return signalled;
    say(`error: ${(err as Error).message}`);
    return 1;
  } finally {
    await probe.close().catch(() => {});
  }

  gateway = await startGateway({ serve: opts, env: settings, store: openedStore, codeInterpreterUrl: codeInterpreter.url });
  say(
    [
      `gateway listening on ${gateway.url}`,
      `upstream ${probe.baseUrl} (${opts.upstreamApiKind})`,
      `store ${openedStore.description}`,
      codeInterpreter.describe,
      `auth ${settings.apiKeys.length ? 'on' : 'off'}`,
    ].join(' | '),
  );
  return signalled;
}
