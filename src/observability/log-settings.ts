/**
 * Logging settings from the environment (docs/observability.md): `VR_LOG_LEVEL`, `VR_LOG_TIMINGS`,
 * `VR_LOG_MODEL_MESSAGES`. Read once at start-up by the composition root.
 */
import { readBooleanEnv } from './env-flags.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  level: LogLevel;
  /** Add per-phase timings (hydrate, upstream first byte, tools, store) to request logs. */
  timings: boolean;
  /** Log the model-facing messages sent upstream (off by default: they hold user data). */
  modelMessages: boolean;
}

export function parseLogLevel(value: string | undefined, source = 'VR_LOG_LEVEL'): LogLevel {
  const level = (value ?? '').trim().toLowerCase() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`${source} must be one of ${LOG_LEVELS.join(', ')}, got '${value}'.`);
  }
  return level as LogLevel;
}

export function readLogSettings(env: NodeJS.ProcessEnv): LogSettings {
  return {
    level: parseLogLevel(env.VR_LOG_LEVEL),
    timings: readBooleanEnv('VR_LOG_TIMINGS', env.VR_LOG_TIMINGS, false),
    modelMessages: readBooleanEnv('VR_LOG_MODEL_MESSAGES', env.VR_LOG_MODEL_MESSAGES, false),
  };
}
