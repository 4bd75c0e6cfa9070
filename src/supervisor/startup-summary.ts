/**
 * The one start-up line an operator reads to know what is running: where it listens, the
 * upstream and transport, workers, helpers and their ports, store, and which of metrics,
 * tracing and auth are on.
 */
import type { DeploymentSettings } from '../config/deployment-settings.js';
import type { ServeOptions } from '../config/serve-options.js';
import { allGatewayToolPlugins } from '../tools/catalog.js';

export interface StartupFacts {
  opts: ServeOptions;
  settings: DeploymentSettings;
  url: string;
  pids: number[];
  upstreamBaseUrl: string;
  store: string;
  helpers: string[];
}

export function describeStartup(f: StartupFacts): string {
  const { env, tracing, log } = f.settings;
  const workers = f.opts.gatewayWorkers > 1 ? `${f.opts.gatewayWorkers} workers (pids ${f.pids.join(', ')})` : `1 worker (pid ${f.pids.join(', ')})`;
  return [
    `gateway listening on ${f.url}`,
    workers,
    `upstream ${f.upstreamBaseUrl} (${f.opts.upstreamApiKind})`,
    `store ${f.store}`,
    ...f.helpers,
    ...allGatewayToolPlugins.flatMap((tool) => tool.describe(f.opts) ?? []),
    `metrics ${env.metricsEnabled ? `on at ${env.metricsPath}` : 'off'}`,
    `tracing ${tracing.enabled ? `on to ${tracing.host}:${tracing.port} (service ${tracing.serviceName}, sample ratio ${tracing.sampleRatio})` : 'off'}`,
    `auth ${env.apiKeys.length ? `on (${env.apiKeys.length} key${env.apiKeys.length === 1 ? '' : 's'})` : 'off'}`,
    `log level ${log.level}${log.timings ? ' with timings' : ''}${log.modelMessages ? ' with model messages' : ''}`,
  ].join(' | ');
}
