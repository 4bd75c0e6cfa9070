/**
 * Tracing end to end against a real OTLP/gRPC receiver on loopback: spans are exported by the
 * real SDK and exporter, decoded from the wire, and checked for names, parentage, status and
 * the service name resource. The SDK's globals are per process, so the scenarios run in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, extractContext, injectTraceHeaders, startTracing, withSpan } from '../../src/observability/tracing.js';
import { startOtlpReceiver, type OtlpReceiver } from './support/otlp-receiver.js';

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';

describe('tracing', () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  it('is a no-op when disabled', async () => {
    const tracing = startTracing({ enabled: false, serviceName: 'x', sampleRatio: 1, host: '127.0.0.1', port: receiver.port });
    expect(tracing.enabled).toBe(false);
    const result = await withSpan(tracing.tracer, 'noop', {}, () => injectTraceHeaders({ accept: 'json' }));
    expect(result).toEqual({ accept: 'json' });
    await tracing.shutdown();
    expect(receiver.spans).toHaveLength(0);
  });

  it('exports request, upstream and tool spans with parentage, status and service name', async () => {
    const tracing = startTracing({
      enabled: true,
      serviceName: 'vr-test-gateway',
      sampleRatio: 1,
      host: '127.0.0.1',
      port: receiver.port,
    });
    const { tracer } = tracing;
    const inbound = { traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`, host: 'gw' };
    let upstreamHeaders: Record<string, string> = {};

    const answer = await withSpan(
      tracer,
      'POST /v1/responses',
      { 'http.request.method': 'POST', 'http.route': '/v1/responses' },
      async (span) => {
        await withSpan(
          tracer,
          'upstream chat_completions',
          { 'vr.upstream.api_kind': 'chat_completions' },
          async () => {
            await new Promise((resolve) => setTimeout(resolve, 5)); // context survives awaits
            upstreamHeaders = injectTraceHeaders({ 'content-type': 'application/json' });
          },
          { kind: SpanKind.CLIENT },
        );
        await expect(
          withSpan(tracer, 'tool code_interpreter', { 'vr.tool.type': 'code_interpreter' }, async () => {
            throw new Error('sandbox exploded');
          }),
        ).rejects.toThrow('sandbox exploded');
        span.setAttribute('http.response.status_code', 200);
        return 'done';
      },
      { kind: SpanKind.SERVER, parent: extractContext(inbound) },
    );
    expect(answer).toBe('done');
    await tracing.shutdown(); // flushes the batch processor

    const spans = await receiver.waitForSpans(3);
    const byName = new Map(spans.map((s) => [s.name, s]));
    const server = byName.get('POST /v1/responses');
    const upstream = byName.get('upstream chat_completions');
    const tool = byName.get('tool code_interpreter');
    if (!server || !upstream || !tool) throw new Error(`missing spans: ${[...byName.keys()].join(', ')}`);

    // One trace, continued from the client's traceparent.
    for (const span of [server, upstream, tool]) {
      expect(span.traceId).toBe(CLIENT_TRACE_ID);
      expect(span.resource['service.name']).toBe('vr-test-gateway');
      expect(span.scope).toBe('vllm-responses');
    }
    expect(server.parentSpanId).toBe(CLIENT_SPAN_ID);
    expect(upstream.parentSpanId).toBe(server.spanId);
    expect(tool.parentSpanId).toBe(server.spanId);

    expect(server.kind).toBe(2); // SPAN_KIND_SERVER
    expect(upstream.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(server.attributes).toMatchObject({ 'http.route': '/v1/responses', 'http.response.status_code': 200 });
    expect(server.status.code).toBe(0); // UNSET: success

    // The upstream receives the upstream span as its parent.
    expect(upstreamHeaders.traceparent).toBe(`00-${CLIENT_TRACE_ID}-${upstream.spanId}-01`);
    expect(upstreamHeaders['content-type']).toBe('application/json');

    expect(tool.status).toEqual({ code: 2, message: 'sandbox exploded' }); // STATUS_CODE_ERROR
    expect(tool.events.find((e) => e.name === 'exception')?.attributes['exception.message']).toBe('sandbox exploded');
  });

  it('samples new traces at the ratio but still propagates the decision', async () => {
    const before = receiver.spans.length;
    const tracing = startTracing({ enabled: true, serviceName: 'vr-test-gateway', sampleRatio: 0, host: '127.0.0.1', port: receiver.port });
    let headers: Record<string, string> = {};
    await withSpan(tracing.tracer, 'unsampled', {}, () => {
      headers = injectTraceHeaders({});
    });
    // A sampled parent wins over the ratio (ParentBased).
    const sampledParent = extractContext({ traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` });
    await withSpan(tracing.tracer, 'sampled by parent', {}, () => undefined, { parent: sampledParent });
    await tracing.shutdown();

    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    const spans = await receiver.waitForSpans(before + 1);
    expect(spans.slice(before).map((s) => s.name)).toEqual(['sampled by parent']);
  });
});

describe('tracing with the collector down', () => {
  it('shuts down cleanly and reports the failed export instead of throwing', async () => {
    const warnings: string[] = [];
    const tracing = startTracing(
      { enabled: true, serviceName: 'vr-test-gateway', sampleRatio: 1, host: '127.0.0.1', port: 1 },
      { diagnostics: { warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) }, shutdownTimeoutMs: 3_000 },
    );
    await withSpan(tracing.tracer, 'orphan', {}, () => undefined);
    await expect(tracing.shutdown()).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/final span export failed/);
  });
});
