/**
 * Misconfiguration fails fast with one clear line and a non-zero exit before anything starts
 * (the upstream is never contacted), and VR_METRICS_ENABLED=false removes the metrics path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnCli } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startServe } from './support.js';

let upstream: FakeUpstream;

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await upstream.close();
});

describe('start-up validation', () => {
  it.each([
    [{ VR_METRICS_PATH: 'metrics' }, /VR_METRICS_PATH must be an absolute path/],
    [{ VR_METRICS_ENABLED: 'flase' }, /VR_METRICS_ENABLED must be a boolean/],
    [{ VR_TRACING_SAMPLE_RATIO: '2' }, /VR_TRACING_SAMPLE_RATIO must be a number between 0 and 1, got '2'/],
    [{ VR_TRACING_ENABLED: 'ture' }, /VR_TRACING_ENABLED must be a boolean/],
    [{ VR_OPENTELEMETRY_PORT: '99999' }, /VR_OPENTELEMETRY_PORT must be a port number/],
    [{ VR_LOG_LEVEL: 'loud' }, /VR_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got 'loud'/],
    [{ VR_LOG_TIMINGS: 'sometimes' }, /VR_LOG_TIMINGS must be a boolean/],
    [{ VR_DB_PATH: 'mysql://nope' }, /VR_DB_PATH/],
    [{ VR_REASONING_EVENTS: 'both' }, /VR_REASONING_EVENTS must be/],
    [{ VR_SHUTDOWN_TIMEOUT_SEC: 'soon' }, /VR_SHUTDOWN_TIMEOUT_SEC must be a number of seconds/],
  ])('rejects %j with one line', async (env, message) => {
    const before = upstream.requests.length;
    const proc = spawnCli(['serve', '--upstream', upstream.url, '--gateway-port', String(await freePort()), '--code-interpreter', 'disabled'], env);
    expect(await proc.exited).toBe(2);
    const lines = proc.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[vllm-responses\] error: /);
    expect(lines[0]).toMatch(message);
    expect(upstream.requests.length).toBe(before);
  });
});

describe('VR_METRICS_ENABLED=false', () => {
  it('serves no metrics path (404) and says so in the summary', async () => {
    const gw = await startServe(upstream.url, [], { VR_METRICS_ENABLED: 'false', VR_DB_PATH: ':memory:' });
    try {
      expect(gw.proc.output()).toMatch(/metrics off/);
      const res = await fetch(`${gw.origin}/metrics`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    } finally {
      gw.proc.child.kill('SIGKILL');
    }
  });

  it('serves metrics at a custom VR_METRICS_PATH', async () => {
    const gw = await startServe(upstream.url, [], { VR_METRICS_PATH: '/internal/prom', VR_DB_PATH: ':memory:' });
    try {
      expect((await fetch(`${gw.origin}/internal/prom`)).status).toBe(200);
      expect((await fetch(`${gw.origin}/metrics`)).status).toBe(404);
    } finally {
      gw.proc.child.kill('SIGKILL');
    }
  });
});
