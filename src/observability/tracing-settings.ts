/**
 * Tracing settings from the environment (docs/observability.md), validated at start-up so a bad value
 * fails fast with one clear line instead of silently exporting nothing.
 */
import { readBooleanEnv } from './env-flags.js';

export interface TracingSettings {
  enabled: boolean;
  serviceName: string;
  /** Fraction of new (root) traces sampled, 0..1; child spans follow their parent's decision. */
  sampleRatio: number;
  /** OTLP gRPC collector host and port. */
  host: string;
  port: number;
}

export function readTracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const ratioText = env.VR_TRACING_SAMPLE_RATIO?.trim() || '0.01';
  const sampleRatio = Number(ratioText);
  if (!Number.isFinite(sampleRatio) || sampleRatio < 0 || sampleRatio > 1) {
    throw new Error(`VR_TRACING_SAMPLE_RATIO must be a number between 0 and 1, got '${env.VR_TRACING_SAMPLE_RATIO}'.`);
  }
  const portText = env.VR_OPENTELEMETRY_PORT?.trim() || '4317';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new Error(`VR_OPENTELEMETRY_PORT must be a port number (1-65535), got '${env.VR_OPENTELEMETRY_PORT}'.`);
  }
  return {
    enabled: readBooleanEnv('VR_TRACING_ENABLED', env.VR_TRACING_ENABLED, false),
    serviceName: env.VR_OTEL_SERVICE_NAME?.trim() || 'vllm-responses',
    sampleRatio,
    host: env.VR_OPENTELEMETRY_HOST?.trim() || 'otel-collector',
    port,
  };
}
