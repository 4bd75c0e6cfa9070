import { EventEmitter } from 'node:events';
import { register as globalRegister } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';
import { COLLECT, COLLECTED, SCRAPE, SCRAPED } from './metrics-protocol.js';
import type { IpcProcess } from './metrics-worker.js';
import { renderMetrics } from './render-metrics.js';

const ALL_METRICS = [
  'http_requests_total',
  'http_request_duration_seconds',
  'http_in_flight_requests',
  'sse_connections_in_flight',
  'sse_stream_duration_seconds',
  'tool_calls_requested_total',
  'tool_calls_executed_total',
  'tool_execution_duration_seconds',
  'tool_errors_total',
  'mcp_server_startup_total',
  'upstream_request_duration_seconds',
  'upstream_time_to_first_token_seconds',
];

describe('createMetrics (single process)', () => {
  it('exposes every metric docs/observability.md lists from its own registry', async () => {
    const metrics = createMetrics();
    metrics.httpRequestsTotal.inc({ method: 'POST', route: '/v1/responses', status: '200' });
    metrics.httpRequestDuration.observe({ method: 'POST', route: '/v1/responses' }, 42);
    const { contentType, body } = await renderMetrics(metrics);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of ALL_METRICS) expect(body).toContain(`# TYPE vllm_responses_${name} `);
    expect(body).toContain('vllm_responses_http_requests_total{method="POST",route="/v1/responses",status="200"} 1');
    // 42 s lands in the 60 s bucket, not in +Inf only: the buckets are sized for LLM latencies.
    expect(body).toContain('vllm_responses_http_request_duration_seconds_bucket{le="60",method="POST",route="/v1/responses"} 1');
    expect(body).toContain('vllm_responses_http_request_duration_seconds_bucket{le="30",method="POST",route="/v1/responses"} 0');
    expect(metrics.clusterChannel).toBeNull();
  });

  it('keeps instances independent and leaves the global registry alone', async () => {
    const a = createMetrics();
    const b = createMetrics({ prefix: 'custom_' });
    a.toolErrors.inc({ tool_type: 'mcp' });
    expect(await b.registry.metrics()).toContain('custom_tool_errors_total');
    expect(await b.registry.metrics()).not.toContain('tool_type="mcp"');
    expect(globalRegister.getMetricsAsArray()).toHaveLength(0);
  });
});

class FakeIpc extends EventEmitter implements IpcProcess {
  sent: unknown[] = [];
  send(message: unknown, _h?: undefined, _o?: undefined, callback?: (error: Error | null) => void): boolean {
    this.sent.push(message);
    callback?.(null);
    return true;
  }
}

describe('createMetrics (cluster worker side)', () => {
  it('answers the primary with its registry as JSON and relays scrapes', async () => {
    const ipc = new FakeIpc();
    const metrics = createMetrics({ clusterWorker: ipc });
    metrics.toolCallsExecuted.inc({ tool_type: 'web_search' }, 2);

    ipc.emit('message', { type: COLLECT, id: 7 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const collected = ipc.sent[0] as { type: string; id: number; metrics: { name: string; values: unknown[] }[] };
    expect(collected.type).toBe(COLLECTED);
    expect(collected.id).toBe(7);
    const executed = collected.metrics.find((m) => m.name === 'vllm_responses_tool_calls_executed_total');
    expect(executed?.values).toEqual([{ value: 2, labels: { tool_type: 'web_search' } }]);

    const rendered = renderMetrics(metrics);
    const scrape = ipc.sent[1] as { type: string; id: number };
    expect(scrape.type).toBe(SCRAPE);
    ipc.emit('message', { type: SCRAPED, id: scrape.id, contentType: 'text/plain', body: 'aggregated' });
    await expect(rendered).resolves.toEqual({ contentType: 'text/plain', body: 'aggregated' });

    const failing = renderMetrics(metrics);
    const second = ipc.sent[2] as { id: number };
    ipc.emit('message', { type: SCRAPED, id: second.id, error: 'boom' });
    await expect(failing).rejects.toThrow(/aggregation failed: boom/);

    metrics.close();
    expect(ipc.listenerCount('message')).toBe(0);
  });

  it('fails a scrape the primary never answers', async () => {
    const metrics = createMetrics({ clusterWorker: new FakeIpc() });
    await expect(metrics.clusterChannel?.requestClusterMetrics(50)).rejects.toThrow(/did not answer/);
    metrics.close();
  });
});
