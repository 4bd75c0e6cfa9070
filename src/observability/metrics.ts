/**
 * The gateway's Prometheus metrics (docs/observability.md). `createMetrics` builds a private registry
 * (never prom-client's global `register`) with a typed handle per metric, so call sites get
 * label-name checking from the compiler and tests can create as many as they like.
 *
 * In a node:cluster worker it also answers the primary's collection requests (see
 * metrics-protocol.ts), which is what lets any worker serve the cluster-wide sum.
 */
import cluster from 'node:cluster';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  REQUEST_DURATION_BUCKETS,
  STREAM_DURATION_BUCKETS,
  TOOL_DURATION_BUCKETS,
  TTFT_BUCKETS,
} from './metric-buckets.js';
import {
  counterSeries,
  gaugeSeries,
  histogramSeries,
  SeriesCache,
  type CounterSeries,
  type GaugeSeries,
  type HistogramSeries,
} from './metric-series.js';
import { attachWorkerChannel, type IpcProcess, type WorkerMetricsChannel } from './metrics-worker.js';

export type UpstreamApiKind = 'chat_completions' | 'responses';

export interface Metrics {
  readonly registry: Registry;
  /** `http_requests_total{method,route,status}`; route via `toRouteLabel`. */
  readonly httpRequestsTotal: Counter<'method' | 'route' | 'status'>;
  /** `http_request_duration_seconds{method,route}`; for SSE, until the stream ends. */
  readonly httpRequestDuration: Histogram<'method' | 'route'>;
  /** `http_in_flight_requests`: inc on request start, dec on response finish/close. */
  readonly httpInFlightRequests: Gauge;
  /** `sse_connections_in_flight`: inc when a stream starts, dec when it ends or the client leaves. */
  readonly sseConnectionsInFlight: Gauge;
  /** `sse_stream_duration_seconds{route}`. */
  readonly sseStreamDuration: Histogram<'route'>;
  /** `tool_calls_requested_total{tool_type}`: every tool call the model emits (incl. `function`). */
  readonly toolCallsRequested: Counter<'tool_type'>;
  /** `tool_calls_executed_total{tool_type}`: gateway-executed calls that ran. */
  readonly toolCallsExecuted: Counter<'tool_type'>;
  /** `tool_execution_duration_seconds{tool_type}`. */
  readonly toolExecutionDuration: Histogram<'tool_type'>;
  /** `tool_errors_total{tool_type}`. */
  readonly toolErrors: Counter<'tool_type'>;
  /** `mcp_server_startup_total{server_label,status}`; record it in ONE process (see docs). */
  readonly mcpServerStartup: Counter<'server_label' | 'status'>;
  /** `truncations_total`: upstream turns whose input `truncation: "auto"` shortened. */
  readonly truncations: Counter;
  /** `truncated_items_total`: input items `truncation: "auto"` left out of upstream turns. */
  readonly truncatedItems: Counter;
  /** `upstream_request_duration_seconds{api_kind}`: request sent → upstream response fully read. */
  readonly upstreamRequestDuration: Histogram<'api_kind'>;
  /** `upstream_time_to_first_token_seconds{api_kind}`: request sent → first content delta. */
  readonly upstreamTimeToFirstToken: Histogram<'api_kind'>;
  /**
   * Per-request recording through pre-resolved series (metric-series.ts): same series and values as
   * calling the handles above, without prom-client's per-call label work.
   */
  recordHttpRequest(method: string, route: string, status: number, seconds: number): void;
  /** `http_in_flight_requests`, pre-resolved (metric-series.ts). */
  readonly httpInFlight: GaugeSeries;
  /** `sse_connections_in_flight`, pre-resolved. */
  readonly sseInFlight: GaugeSeries;
  /** `sse_stream_duration_seconds{route}`, pre-resolved. */
  recordSseStream(route: string, seconds: number): void;
  /** `upstream_request_duration_seconds{api_kind}`, pre-resolved. */
  recordUpstreamRequest(apiKind: UpstreamApiKind, seconds: number): void;
  /** `upstream_time_to_first_token_seconds{api_kind}`, pre-resolved. */
  recordUpstreamTimeToFirstToken(apiKind: UpstreamApiKind, seconds: number): void;
  /** Set when running as a cluster worker; `renderMetrics` uses it to ask the primary. */
  readonly clusterChannel: WorkerMetricsChannel | null;
  /** Detaches the IPC listener of a cluster worker (call on shutdown). Idempotent. */
  close(): void;
}

export interface CreateMetricsOptions {
  /** Metric name prefix; docs/observability.md documents `vllm_responses_`. */
  prefix?: string;
  /**
   * Cluster worker wiring. Default: on when `cluster.isWorker` (answers the primary's collection
   * requests through `process`). `false` forces single-process behaviour; tests may inject a
   * process-like IPC endpoint.
   */
  clusterWorker?: boolean | IpcProcess;
}

export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'vllm_responses_';
  const registry = new Registry();
  const registers = [registry];
  // `aggregator: 'sum'` is prom-client's default for every type; spelled out for gauges because
  // summing is the point: in-flight requests of the cluster = Σ per worker.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name: prefix + name, help, labelNames, registers, aggregator: 'sum' });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name: prefix + name, help, labelNames, buckets, registers, aggregator: 'sum' });
  const gauge = (name: string, help: string) => new Gauge({ name: prefix + name, help, registers, aggregator: 'sum' });

  const ipc = resolveIpc(options.clusterWorker);
  const clusterChannel = ipc ? attachWorkerChannel(registry, ipc) : null;

  const handles = {
    registry,
    httpRequestsTotal: counter('http_requests_total', 'HTTP requests served, by method, route template and status.', [
      'method',
      'route',
      'status',
    ]),
    httpRequestDuration: histogram(
      'http_request_duration_seconds',
      'HTTP request duration in seconds (streams: until the last byte), by method and route template.',
      ['method', 'route'],
      REQUEST_DURATION_BUCKETS,
    ),
    httpInFlightRequests: gauge('http_in_flight_requests', 'HTTP requests currently being served.'),
    sseConnectionsInFlight: gauge('sse_connections_in_flight', 'SSE streams currently open.'),
    sseStreamDuration: histogram(
      'sse_stream_duration_seconds',
      'SSE stream duration in seconds, by route template.',
      ['route'],
      STREAM_DURATION_BUCKETS,
    ),
    toolCallsRequested: counter('tool_calls_requested_total', 'Tool calls emitted by the model, by tool type.', [
      'tool_type',
    ]),
    toolCallsExecuted: counter('tool_calls_executed_total', 'Tool calls executed by the gateway, by tool type.', [
      'tool_type',
    ]),
    toolExecutionDuration: histogram(
      'tool_execution_duration_seconds',
      'Gateway tool execution duration in seconds, by tool type.',
      ['tool_type'],
      TOOL_DURATION_BUCKETS,
    ),
    toolErrors: counter('tool_errors_total', 'Gateway tool executions that failed, by tool type.', ['tool_type']),
    mcpServerStartup: counter('mcp_server_startup_total', 'MCP server start-up attempts, by server label and status.', [
      'server_label',
      'status',
    ]),
    truncations: counter('truncations_total', 'Upstream turns whose input truncation "auto" shortened to fit the context.', []),
    truncatedItems: counter('truncated_items_total', 'Input items truncation "auto" left out of upstream turns.', []),
    upstreamRequestDuration: histogram(
      'upstream_request_duration_seconds',
      'Upstream model request duration in seconds (until the response is fully read), by API kind.',
      ['api_kind'],
      REQUEST_DURATION_BUCKETS,
    ),
    upstreamTimeToFirstToken: histogram(
      'upstream_time_to_first_token_seconds',
      'Time from sending the upstream request to its first generated token, in seconds, by API kind.',
      ['api_kind'],
      TTFT_BUCKETS,
    ),
  };
  return {
    ...handles,
    ...requestRecorders(handles),
    clusterChannel,
    close: () => clusterChannel?.close(),
  };
}

type Handles = Omit<Metrics, 'clusterChannel' | 'close' | keyof RequestRecorders>;
type RequestRecorders = Pick<
  Metrics,
  'recordHttpRequest' | 'httpInFlight' | 'sseInFlight' | 'recordSseStream' | 'recordUpstreamRequest' | 'recordUpstreamTimeToFirstToken'
>;

/** The request path's metrics, each label combination resolved once (bounded caches). */
function requestRecorders(m: Handles): RequestRecorders {
  const http = new SeriesCache<{ total: CounterSeries; duration: HistogramSeries }>();
  const durations = new SeriesCache<HistogramSeries>();
  const streams = new SeriesCache<HistogramSeries>();
  const upstream = new SeriesCache<HistogramSeries>();
  const ttft = new SeriesCache<HistogramSeries>();
  return {
    httpInFlight: gaugeSeries(m.httpInFlightRequests, {}),
    sseInFlight: gaugeSeries(m.sseConnectionsInFlight, {}),
    recordHttpRequest(method, route, status, seconds) {
      const series = http.get(`${method} ${status} ${route}`, () => ({
        total: counterSeries(m.httpRequestsTotal, { method, route, status: String(status) }),
        // Shared by the statuses of one method and route: one handle per (method, route).
        duration: durations.get(`${method} ${route}`, () => histogramSeries(m.httpRequestDuration, { method, route })),
      }));
      series.total.inc();
      series.duration.observe(seconds);
    },
    recordSseStream(route, seconds) {
      streams.get(route, () => histogramSeries(m.sseStreamDuration, { route })).observe(seconds);
    },
    recordUpstreamRequest(apiKind, seconds) {
      upstream.get(apiKind, () => histogramSeries(m.upstreamRequestDuration, { api_kind: apiKind })).observe(seconds);
    },
    recordUpstreamTimeToFirstToken(apiKind, seconds) {
      ttft.get(apiKind, () => histogramSeries(m.upstreamTimeToFirstToken, { api_kind: apiKind })).observe(seconds);
    },
  };
}

function resolveIpc(option: CreateMetricsOptions['clusterWorker']): IpcProcess | null {
  if (option === false) return null;
  if (typeof option === 'object') return option;
  if (option === true || cluster.isWorker) return process.send ? process : null;
  return null;
}
