/**
 * What one gateway process observes with: the logger, the metrics registry, the tracer and the
 * settings that shape request logs. Built by the process's composition root (the supervisor or a
 * cluster worker) and handed to `createGateway`; tests get a quiet default.
 */
import { trace, type Tracer } from '@opentelemetry/api';
import type { EnvSettings } from '../config/env.js';
import { createMetrics, TRACER_NAME, type LogSettings, type Logger, type Metrics } from '../observability/index.js';

export interface GatewayObservability {
  /** Request and model-message logs; null = no request logging (tests). */
  logger: Logger | null;
  /** null when `VR_METRICS_ENABLED=false`: the metrics path is then not served (404). */
  metrics: Metrics | null;
  metricsPath: string;
  /** Real when tracing is started in this process, OpenTelemetry's no-op tracer otherwise. */
  tracer: Tracer;
  /** Inbound request spans are only created when tracing is on (no per-request cost otherwise). */
  tracingEnabled: boolean;
  log: LogSettings;
}

/** Quiet defaults for a gateway built without a composition root (tests, embedding). */
export function defaultObservability(env: EnvSettings): GatewayObservability {
  return {
    logger: null,
    metrics: env.metricsEnabled ? createMetrics({ clusterWorker: false }) : null,
    metricsPath: env.metricsPath,
    tracer: trace.getTracer(TRACER_NAME),
    tracingEnabled: false,
    log: { level: 'info', timings: false, modelMessages: false },
  };
}
