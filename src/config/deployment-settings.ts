/**
 * Every deployment setting (README, "Environment"; docs/observability.md) read and validated in one call, so the supervisor
 * can reject a bad value with one clear line before it starts anything (and each cluster worker
 * reads the very same values).
 */
import { readLogSettings, readTracingSettings, type LogSettings, type TracingSettings } from '../observability/index.js';
import { sealingKeyFromEnv } from '../crypto/sealing-key.js';
import { readContextSettings } from './context-settings.js';
import { readEnvSettings, type EnvSettings } from './env.js';

export interface DeploymentSettings {
  env: EnvSettings;
  log: LogSettings;
  tracing: TracingSettings;
}

/** Throws an Error naming the variable and the bad value. */
export function readDeploymentSettings(env: NodeJS.ProcessEnv): DeploymentSettings {
  // Checked here so a malformed key stops the start; each process loads it in startGateway.
  sealingKeyFromEnv(env);
  readContextSettings(env);
  return { env: readEnvSettings(env), log: readLogSettings(env), tracing: readTracingSettings(env) };
}

/** Values that must never reach a log line, wherever they appear. */
export function secretsOf(settings: EnvSettings): string[] {
  return [...settings.apiKeys, ...(settings.upstreamApiKey ? [settings.upstreamApiKey] : [])];
}
