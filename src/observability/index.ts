/**
 * Observability building blocks: logging (pino), metrics (prom-client, cluster-aggregated) and
 * tracing (OpenTelemetry). A leaf module: it imports nothing from the rest of the gateway.
 * See docs/observability.md for what operators see, and each file for the why.
 */
export { createLogger, forFixedKeyLines, type CreateLoggerOptions, type Logger } from './logger.js';
export { readLogSettings, parseLogLevel, LOG_LEVELS, type LogLevel, type LogSettings } from './log-settings.js';
export { REDACTED, isSecretKey } from './redact.js';
export { createMetrics, type CreateMetricsOptions, type Metrics, type UpstreamApiKind } from './metrics.js';
export { renderMetrics, type RenderedMetrics } from './render-metrics.js';
export { setupMetricsPrimary, type MetricsPrimary, type MetricsPrimaryOptions } from './metrics-primary.js';
export { toRouteLabel, UNMATCHED_ROUTE } from './route-label.js';
export {
  startTracing,
  readTracingSettings,
  withSpan,
  markSpanError,
  extractContext,
  injectTraceHeaders,
  SpanKind,
  TRACER_NAME,
  type TracingHandle,
  type TracingSettings,
  type StartTracingOptions,
  type WithSpanOptions,
  type IncomingHeaders,
} from './tracing.js';
