/**
 * OpenTelemetry set-up for one gateway process: an OTLP gRPC exporter to
 * `http://VR_OPENTELEMETRY_HOST:VR_OPENTELEMETRY_PORT`, batched, sampled with
 * ParentBased(TraceIdRatioBased(VR_TRACING_SAMPLE_RATIO)) so a sampled inbound `traceparent`
 * is honoured and new traces are sampled at the ratio.
 *
 * OpenTelemetry's API is process-global by design (the context manager that carries the active
 * span across awaits, the propagator): `startTracing` registers them, so call it once in the
 * composition root of each process (every cluster worker) and `shutdown()` before exit.
 */
import { DiagLogLevel, context, diag, propagation, trace, type DiagLogger, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { NodeSDK, core, resources, tracing } from '@opentelemetry/sdk-node';
import type { TracingSettings } from './tracing-settings.js';

export { readTracingSettings, type TracingSettings } from './tracing-settings.js';
export { markSpanError, withSpan, SpanKind, type WithSpanOptions } from './span.js';
export { extractContext, injectTraceHeaders, type IncomingHeaders } from './propagation.js';

export const TRACER_NAME = 'vllm-responses';

export interface TracingHandle {
  readonly enabled: boolean;
  /** Real tracer when enabled; the API's no-op tracer otherwise (spans cost next to nothing). */
  readonly tracer: Tracer;
  /**
   * Flushes pending spans to the collector and unregisters the globals. Never rejects: a
   * collector that is down must not turn a clean shutdown into a crash (the failure goes to
   * `diagnostics.warn`). Bounded by `shutdownTimeoutMs`. Idempotent.
   */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /**
   * Where OpenTelemetry's own warnings go (e.g. "collector unreachable"); typically
   * `{ warn: (m) => logger.warn(m), error: (m) => logger.error(m) }`. Silent when omitted.
   */
  diagnostics?: Pick<DiagLogger, 'warn' | 'error'>;
  /** Upper bound on the final flush in `shutdown()`; default 5000 ms. */
  shutdownTimeoutMs?: number;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; rejects on timeout. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `host:port` as a URL authority; IPv6 literals need brackets. */
function collectorUrl(host: string, port: number): string {
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${authority}:${port}`;
}

export function startTracing(settings: TracingSettings, options: StartTracingOptions = {}): TracingHandle {
  if (!settings.enabled) {
    return { enabled: false, tracer: trace.getTracer(TRACER_NAME), shutdown: async () => {} };
  }
  if (options.diagnostics) {
    const sink = options.diagnostics;
    const ignore = (): void => {};
    diag.setLogger(
      { error: (m) => sink.error(m), warn: (m) => sink.warn(m), info: ignore, debug: ignore, verbose: ignore },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    // Host and OTEL_RESOURCE_ATTRIBUTES, plus the pid to tell cluster workers apart. Not the
    // process detector: it would export the full command line.
    resourceDetectors: [resources.envDetector, resources.hostDetector],
    resource: resources.defaultResource().merge(resources.resourceFromAttributes({ 'process.pid': process.pid })),
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: collectorUrl(settings.host, settings.port) }))],
    textMapPropagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
    // Traces only: without these NodeSDK would build OTLP log/metric exporters from OTEL_* env
    // defaults (metrics are prom-client's job here).
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopped: Promise<void> | null = null;
  return {
    enabled: true,
    tracer: trace.getTracer(TRACER_NAME),
    shutdown() {
      stopped ??= within(sdk.shutdown(), options.shutdownTimeoutMs ?? 5_000)
        .catch((error: unknown) => {
          options.diagnostics?.warn(`tracing: final span export failed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => {
          trace.disable();
          propagation.disable();
          context.disable();
          if (options.diagnostics) diag.disable();
        });
      return stopped;
    },
  };
}
