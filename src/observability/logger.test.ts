import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, forFixedKeyLines } from './logger.js';
import { readLogSettings } from './log-settings.js';

function memory(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('createLogger', () => {
  it('writes JSON lines with name and level, honouring the level threshold', () => {
    const dest = memory();
    const logger = createLogger({ level: 'warn', pretty: false, name: 'gateway', destination: dest });
    logger.info('hidden');
    logger.warn({ route: '/v1/responses/{response_id}', status: 404 }, 'not found');
    expect(dest.lines).toHaveLength(1);
    const record = JSON.parse(dest.lines[0] ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({ level: 40, name: 'gateway', msg: 'not found', status: 404 });
  });

  it('never prints credentials', () => {
    const dest = memory();
    const logger = createLogger({ pretty: false, destination: dest, secrets: ['client-key-abcdef'] });
    const child = logger.child({ upstream: { api_key: 'sk-child-binding-secret-0001' } });
    child.info(
      {
        headers: { authorization: 'Bearer client-key-abcdef', 'x-api-key': 'xk-123456', accept: '*/*' },
        req: { headers: { authorization: 'Bearer zzz' } },
        api_key: 'top-level-key',
        config: { nested: { client_secret: 'cs-123456', access_token: 'at-123456' } },
        usage: { input_tokens: 12, output_tokens: 3 },
        max_output_tokens: 64,
      },
      'calling upstream with Bearer msg-token-value',
    );
    child.error(new Error('401 for key client-key-abcdef'), 'auth failed');
    const text = dest.lines.join('');
    for (const secret of [
      'client-key-abcdef',
      'xk-123456',
      'zzz',
      'top-level-key',
      'cs-123456',
      'at-123456',
      'msg-token-value',
      'sk-child-binding-secret-0001',
    ]) {
      expect(text).not.toContain(secret);
    }
    const first = JSON.parse(dest.lines[0] ?? '') as Record<string, any>;
    expect(first.usage).toEqual({ input_tokens: 12, output_tokens: 3 });
    expect(first.max_output_tokens).toBe(64);
    expect(first.headers.accept).toBe('*/*');
    expect(first.headers.authorization).toBe('[REDACTED]');
  });

  it('for fixed-key lines: the same request line, and values still scrubbed', () => {
    const dest = memory();
    const logger = createLogger({ pretty: false, destination: dest, name: 'worker-1', secrets: ['client-key-abcdef'] });
    const fast = forFixedKeyLines(logger);
    const line = {
      req_id: 'req-1',
      method: 'POST',
      route: '/v1/responses/{response_id}',
      path: '/v1/responses/client-key-abcdef/Bearer abcdefgh/sk-abcdefghijklmnopqrstu',
      status: 200,
      duration_ms: 1.5,
      client_disconnected: true,
      response_id: 'resp_1',
      response_status: 'completed',
      error_code: 'x',
      timings: { hydrate_ms: 0.1, upstream_first_token_ms: 0.2, upstream_ms: 0.3, tools_ms: 0.4, store_ms: 0.5 },
    };
    logger.info(line, 'request completed');
    fast.info(line, 'request completed');
    fast.warn(line, 'request completed: the streamed response failed');
    const [a, b, c] = dest.lines.map((l) => l.replace(/"time":\d+,/, ''));
    expect(b).toBe(a);
    expect(c).toContain('"level":40');
    for (const secret of ['client-key-abcdef', 'abcdefgh', 'sk-abcdefghijklmnopqrstu']) expect(dest.lines.join('')).not.toContain(secret);
  });

  it('prints human-readable lines in pretty mode', () => {
    const chunks: string[] = [];
    const logger = createLogger({
      pretty: true,
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk.toString('utf8'));
          callback();
        },
      }),
      secrets: ['pretty-secret-1'],
    });
    logger.info({ key_note: 'x', authorization: 'Bearer pretty-secret-1' }, 'hello operator');
    const text = chunks.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('hello operator');
    expect(text).not.toContain('pretty-secret-1');
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('rejects unknown levels with a clear message', () => {
    expect(() => createLogger({ level: 'verbose', pretty: false })).toThrow(/log level must be one of/);
  });
});

describe('readLogSettings', () => {
  it('defaults to info without timings or model messages', () => {
    expect(readLogSettings({})).toEqual({ level: 'info', timings: false, modelMessages: false });
  });

  it('reads the VR_LOG_* variables', () => {
    expect(readLogSettings({ VR_LOG_LEVEL: 'DEBUG', VR_LOG_TIMINGS: 'true', VR_LOG_MODEL_MESSAGES: '1' })).toEqual({
      level: 'debug',
      timings: true,
      modelMessages: true,
    });
    expect(readLogSettings({ VR_LOG_TIMINGS: 'off', VR_LOG_MODEL_MESSAGES: 'no' })).toMatchObject({
      timings: false,
      modelMessages: false,
    });
  });

  it('fails fast on misspelt values', () => {
    expect(() => readLogSettings({ VR_LOG_LEVEL: 'loud' })).toThrow(/VR_LOG_LEVEL must be one of/);
    expect(() => readLogSettings({ VR_LOG_TIMINGS: 'ture' })).toThrow(/VR_LOG_TIMINGS must be a boolean/);
  });
});
