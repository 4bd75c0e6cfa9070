/**
 * The observability of one gateway process (the single in-process gateway, or one cluster
 * worker): its logger, metrics registry (which answers the primary's collection in a worker),
 * and tracer. Closing it flushes spans and detaches the metrics channel.
 */
import { secretsOf, type DeploymentSettings } from '../config/deployment-settings.js';
import { createLogger, createMetrics, startTracing, type Logger } from '../observability/index.js';
import type { GatewayObservability } from '../server/observability.js';

export interface ProcessObservability {
  obs: GatewayObservability;
  logger: Logger;
  close(): Promise<void>;
}

export function startProcessObservability(settings: DeploymentSettings, name: string): ProcessObservability {
  const logger = createLogger({ name, level: settings.log.level, secrets: secretsOf(settings.env) });
  const tracing = startTracing(settings.tracing, {
    diagnostics: { warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
  const metrics = settings.env.metricsEnabled ? createMetrics() : null;
  return {
    logger,
    obs: {
      logger,
      metrics,
      metricsPath: settings.env.metricsPath,
      tracer: tracing.tracer,
      tracingEnabled: tracing.enabled,
      log: settings.log,
    },
    async close() {
      metrics?.close();
      await tracing.shutdown();
      logger.flush();
    },
  };
}
