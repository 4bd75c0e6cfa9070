/**
 * A tiny two-worker cluster for the metrics aggregation test, run with `node --import tsx`.
 * Worker i (1-based) records i-scaled values; the primary records one value of its own. The
 * workers share one HTTP port serving `GET /metrics` (through renderMetrics), `GET /whoami`
 * and `POST /exit` (to test a worker disappearing). The primary prints `READY <port>` once both
 * workers listen.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics } from '../../../src/observability/metrics.js';
import { renderMetrics } from '../../../src/observability/render-metrics.js';
import { setupMetricsPrimary } from '../../../src/observability/metrics-primary.js';

const WORKERS = 2;

if (cluster.isPrimary) {
  const own = createMetrics();
  own.mcpServerStartup.inc({ server_label: 'docs', status: 'ok' });
  const primary = setupMetricsPrimary({ registries: [own.registry] });
  let ready = 0;
  cluster.on('message', (_worker, message: { type?: string; port?: number }) => {
    if (message.type === 'test:listening' && ++ready === WORKERS) process.stdout.write(`READY ${message.port}\n`);
  });
  for (let index = 1; index <= WORKERS; index++) cluster.fork({ WORKER_INDEX: String(index) });
  process.on('SIGTERM', () => {
    primary.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const index = Number(process.env.WORKER_INDEX);
  const metrics = createMetrics();
  metrics.httpRequestsTotal.inc({ method: 'GET', route: '/v1/responses/{response_id}', status: '200' }, index);
  metrics.httpInFlightRequests.set(index * 2);
  metrics.sseConnectionsInFlight.inc(index);
  metrics.toolCallsRequested.inc({ tool_type: 'code_interpreter' }, 10 * index);
  for (let i = 0; i < index; i++) metrics.upstreamTimeToFirstToken.observe({ api_kind: 'chat_completions' }, 0.2);

  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      renderMetrics(metrics).then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'x-worker': String(index) });
          res.end(body);
        },
        (error: Error) => {
          res.writeHead(500, { 'x-worker': String(index) });
          res.end(error.message);
        },
      );
    } else if (req.url === '/exit') {
      res.end(String(index), () => process.exit(0));
    } else {
      res.end(String(index));
    }
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ type: 'test:listening', port });
  });
}
