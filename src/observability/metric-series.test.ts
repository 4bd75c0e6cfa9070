import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { counterSeries, gaugeSeries, histogramSeries, SeriesCache, seriesKey } from './metric-series.js';
import { createMetrics } from './metrics.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.1, 1, 10];
// Bounds themselves, between bounds, below the first, above the last, zero, negative, fractions.
const VALUES = [0.005, 0.0049, 0.0051, 0.01, 0.3, 1, 10, 10.0001, 99, 0, -1, 0.1 + 0.2, 1e-9, 7.25];

function pair() {
  const make = () => {
    const registry = new Registry();
    const registers = [registry];
    return {
      registry,
      counter: new Counter({ name: 'c_total', help: 'c', labelNames: ['method', 'status'] as const, registers }),
      histogram: new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['route', 'method'] as const, buckets: BUCKETS, registers }),
    };
  };
  return { plain: make(), fast: make() };
}

describe('metric series', () => {
  it('gives the same exposition and JSON as prom-client calls, across resets', async () => {
    const { plain, fast } = pair();
    const hA = histogramSeries(fast.histogram, { route: '/a', method: 'GET' });
    const hB = histogramSeries(fast.histogram, { route: '/b', method: 'POST' });
    const c200 = counterSeries(fast.counter, { method: 'GET', status: '200' });
    const c500 = counterSeries(fast.counter, { method: 'GET', status: '500' });
    for (let round = 0; round < 3; round++) {
      for (const [i, value] of VALUES.entries()) {
        plain.histogram.observe({ route: '/a', method: 'GET' }, value);
        hA.observe(value);
        if (i % 3 === 0) {
          plain.histogram.observe({ route: '/b', method: 'POST' }, value * 2);
          hB.observe(value * 2);
        }
        plain.counter.inc({ method: 'GET', status: '200' });
        c200.inc();
        plain.counter.inc({ method: 'GET', status: '500' }, i % 2 ? 0 : 2.5);
        c500.inc(i % 2 ? 0 : 2.5);
      }
      expect(await fast.registry.metrics()).toBe(await plain.registry.metrics());
      expect(await fast.registry.getMetricsAsJSON()).toEqual(await plain.registry.getMetricsAsJSON());
      if (round === 1) {
        plain.registry.resetMetrics();
        fast.registry.resetMetrics();
      }
    }
    // Series order follows first use, in both.
    expect(await fast.registry.metrics()).toContain('h_seconds_bucket{le="0.005",route="/a",method="GET"}');
  });

  it('touches prom-client only on first use, after a reset and for values it must reject', () => {
    const { fast } = pair();
    const observe = vi.spyOn(fast.histogram, 'observe');
    const inc = vi.spyOn(fast.counter, 'inc');
    const h = histogramSeries(fast.histogram, { route: '/a', method: 'GET' });
    const c = counterSeries(fast.counter, { method: 'GET', status: '200' });
    for (let i = 0; i < 5; i++) {
      h.observe(0.02);
      c.inc();
    }
    expect(observe).toHaveBeenCalledTimes(1);
    expect(inc).toHaveBeenCalledTimes(1);
    fast.histogram.reset();
    fast.counter.remove({ method: 'GET', status: '200' });
    h.observe(0.02);
    c.inc();
    h.observe(0.02);
    c.inc();
    expect(observe).toHaveBeenCalledTimes(2);
    expect(inc).toHaveBeenCalledTimes(2);
    expect(() => h.observe(Number.NaN)).toThrow(TypeError);
    expect(() => c.inc(-1)).toThrow(/decrease/);
    expect(() => c.inc(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });

  it('gauges: the same values as inc/dec, and set() in between is honoured', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'g', help: 'g', registers: [registry] });
    const plainRegistry = new Registry();
    const plain = new Gauge({ name: 'g', help: 'g', registers: [plainRegistry] });
    const inc = vi.spyOn(gauge, 'inc');
    const series = gaugeSeries(gauge, {});
    for (const [i, value] of VALUES.entries()) {
      series.inc();
      plain.inc();
      series.dec(value);
      plain.dec(value);
      if (i === 5) {
        gauge.set(3);
        plain.set(3);
      }
    }
    expect(await registry.metrics()).toBe(await plainRegistry.metrics());
    // First use and the first call after set() go through prom-client.
    expect(inc).toHaveBeenCalledTimes(2);
  });

  it('computes prom-client keys from sorted names, skipping undefined values', () => {
    expect(seriesKey(['route', 'method'], { route: '/a', method: 'GET' })).toBe('method:GET,route:/a,');
    expect(seriesKey(['a', 'b'], { a: 1 })).toBe('a:1,');
    expect(seriesKey([], {})).toBe('');
  });

  it('keeps at most max handles and still answers past it', () => {
    const cache = new SeriesCache<{ id: number }>(2);
    let made = 0;
    const get = (key: string) => cache.get(key, () => ({ id: ++made }));
    expect(get('a')).toBe(get('a'));
    get('b');
    expect(get('c')).not.toBe(get('c'));
    expect(get('b').id).toBe(2);
  });
});

describe('createMetrics request recorders', () => {
  it('record the same series as the metric handles', async () => {
    const fast = createMetrics({ clusterWorker: false });
    const plain = createMetrics({ clusterWorker: false });
    for (const [i, seconds] of VALUES.map(Math.abs).entries()) {
      const status = i % 4 ? 200 : 404;
      fast.recordHttpRequest('POST', '/v1/responses', status, seconds);
      plain.httpRequestsTotal.inc({ method: 'POST', route: '/v1/responses', status: String(status) });
      plain.httpRequestDuration.observe({ method: 'POST', route: '/v1/responses' }, seconds);
      fast.recordSseStream('/v1/responses', seconds * 60);
      plain.sseStreamDuration.observe({ route: '/v1/responses' }, seconds * 60);
      fast.recordUpstreamRequest(i % 2 ? 'responses' : 'chat_completions', seconds);
      plain.upstreamRequestDuration.observe({ api_kind: i % 2 ? 'responses' : 'chat_completions' }, seconds);
      fast.recordUpstreamTimeToFirstToken('chat_completions', seconds / 3);
      fast.httpInFlight.inc();
      plain.httpInFlightRequests.inc();
      fast.sseInFlight.inc(2);
      plain.sseConnectionsInFlight.inc(2);
      if (i % 2) {
        fast.httpInFlight.dec();
        plain.httpInFlightRequests.dec();
        fast.sseInFlight.dec();
        plain.sseConnectionsInFlight.dec();
      }
      plain.upstreamTimeToFirstToken.observe({ api_kind: 'chat_completions' }, seconds / 3);
    }
    expect(await fast.registry.metrics()).toBe(await plain.registry.metrics());
    expect(await fast.registry.getMetricsAsJSON()).toEqual(await plain.registry.getMetricsAsJSON());
  });
});
