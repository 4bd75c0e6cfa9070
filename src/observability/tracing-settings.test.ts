import { describe, expect, it } from 'vitest';
import { readTracingSettings } from './tracing-settings.js';

describe('readTracingSettings', () => {
  it('has the documented defaults (docs/observability.md)', () => {
    expect(readTracingSettings({})).toEqual({
      enabled: false,
      serviceName: 'vllm-responses',
      sampleRatio: 0.01,
      host: 'otel-collector',
      port: 4317,
    });
  });

  it('reads the VR_* variables', () => {
    expect(
      readTracingSettings({
        VR_TRACING_ENABLED: 'true',
        VR_OTEL_SERVICE_NAME: 'gw-eu',
        VR_TRACING_SAMPLE_RATIO: '1',
        VR_OPENTELEMETRY_HOST: '10.0.0.5',
        VR_OPENTELEMETRY_PORT: '14317',
      }),
    ).toEqual({ enabled: true, serviceName: 'gw-eu', sampleRatio: 1, host: '10.0.0.5', port: 14317 });
  });

  it.each([
    [{ VR_TRACING_ENABLED: 'maybe' }, /VR_TRACING_ENABLED must be a boolean/],
    [{ VR_TRACING_SAMPLE_RATIO: '2' }, /VR_TRACING_SAMPLE_RATIO must be a number between 0 and 1/],
    [{ VR_TRACING_SAMPLE_RATIO: 'half' }, /VR_TRACING_SAMPLE_RATIO/],
    [{ VR_OPENTELEMETRY_PORT: '70000' }, /VR_OPENTELEMETRY_PORT must be a port number/],
    [{ VR_OPENTELEMETRY_PORT: '43.17' }, /VR_OPENTELEMETRY_PORT/],
  ])('rejects %j', (env, message) => {
    expect(() => readTracingSettings(env)).toThrow(message);
  });
});
