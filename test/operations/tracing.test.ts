/**
 * Tracing through the real CLI, exported over OTLP/gRPC to a collector on loopback: the request
 * span, the upstream call as its child (with `traceparent` sent to the upstream carrying the
 * same trace and the upstream span as parent), and a store span.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../observability/support/otlp-receiver.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { postResponse, startServe, waitFor } from './support.js';

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

let upstream: FakeUpstream;
let receiver: OtlpReceiver;
let dir: string;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  receiver = await startOtlpReceiver();
  dir = mkdtempSync(join(tmpdir(), 'vr-tracing-'));
});

afterAll(async () => {
  await receiver.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('VR_TRACING_ENABLED=true (real CLI, loopback OTLP collector)', () => {
  it('exports request, upstream and store spans with parentage, and propagates traceparent upstream', async () => {
    const gw = await startServe(upstream.url, [], {
      VR_DB_PATH: `sqlite:///${join(dir, 't.db')}`,
      VR_TRACING_ENABLED: 'true',
      VR_TRACING_SAMPLE_RATIO: '1.0',
      VR_OTEL_SERVICE_NAME: 'vr-ops-test',
      VR_OPENTELEMETRY_HOST: '127.0.0.1',
      VR_OPENTELEMETRY_PORT: String(receiver.port),
    });
    try {
      expect(gw.proc.output()).toMatch(/tracing on to 127\.0\.0\.1:\d+ \(service vr-ops-test, sample ratio 1\)/);
      const res = await postResponse(gw.origin, { model: 'fake-model', input: 'trace me', stream: true });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('response.completed');
      const sent = upstream.requests.at(-1)!;
      const traceparent = String(sent.headers.traceparent);
      const [, traceId, parentSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent) ?? [];
      expect(traceId).toBeDefined();

      // SIGTERM flushes the batch processor on the way out.
      gw.proc.child.kill('SIGTERM');
      expect(await gw.proc.exited).toBe(0);
      const spans = await waitFor('the exported spans', () => (receiver.spans.some((s) => s.name === 'POST /v1/responses') ? receiver.spans : undefined));

      const request = spans.find((s) => s.name === 'POST /v1/responses')!;
      expect(request).toMatchObject({ kind: SPAN_KIND_SERVER, traceId, parentSpanId: '' });
      expect(request.attributes).toMatchObject({ 'http.route': '/v1/responses', 'http.response.status_code': 200 });
      expect(request.resource['service.name']).toBe('vr-ops-test');

      const call = spans.find((s) => s.name === 'upstream chat_completions')!;
      expect(call).toMatchObject({ kind: SPAN_KIND_CLIENT, traceId, parentSpanId: request.spanId, spanId: parentSpanId });
      expect(call.events.map((e) => e.name)).toContain('first_token');

      const put = spans.find((s) => s.name === 'store put')!;
      expect(put).toMatchObject({ traceId, parentSpanId: request.spanId });
    } finally {
      gw.proc.child.kill('SIGKILL');
    }
  });
});
