import { describe, expect, it } from 'vitest';
import { REDACTED, censorSecretKeys, createLineScrubber, isSecretKey } from './redact.js';

describe('isSecretKey', () => {
  it('gives the same verdict when asked again (verdicts are remembered by name)', () => {
    for (let round = 0; round < 2; round++) {
      expect(isSecretKey('x-session-key')).toBe(true);
      expect(isSecretKey('session_keys_count')).toBe(false);
    }
  });

  it.each([
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'api_key',
    'apiKey',
    'x-api-key',
    'VR_API_KEYS',
    'VR_OPENAI_API_KEY',
    'openaiApiKey',
    'client_secret',
    'secretAccessKey',
    'password',
    'token',
    'access_token',
    'refreshToken',
    'x-auth-token',
    'private_key',
    'credentials',
  ])('treats %s as a secret', (name) => {
    expect(isSecretKey(name)).toBe(true);
  });

  it.each([
    'max_output_tokens',
    'input_tokens',
    'total_tokens',
    'prompt_cache_key',
    'key',
    'keys',
    'tokenizer',
    'model',
    'response_id',
    'monkeys',
  ])('keeps %s', (name) => {
    expect(isSecretKey(name)).toBe(false);
  });
});

describe('censorSecretKeys', () => {
  it('redacts credential-named fields at any depth without touching the input', () => {
    const input = {
      route: '/v1/responses',
      upstream: { config: { api_key: 'sk-live', base: 'http://x' } },
      list: [{ access_token: 't' }, { input_tokens: 3 }],
    };
    const out = censorSecretKeys(input);
    expect(out).toEqual({
      route: '/v1/responses',
      upstream: { config: { api_key: REDACTED, base: 'http://x' } },
      list: [{ access_token: REDACTED }, { input_tokens: 3 }],
    });
    expect(input.upstream.config.api_key).toBe('sk-live');
  });

  it('returns the same object when nothing needs redacting', () => {
    const input = { a: 1, b: { c: [1, 2, { d: 'e' }] } };
    expect(censorSecretKeys(input)).toBe(input);
  });

  it('leaves class instances alone for the serializers', () => {
    const err = Object.assign(new Error('boom'), { token: 'x' });
    expect(censorSecretKeys({ err }).err).toBe(err);
  });
});

describe('createLineScrubber', () => {
  it('scrubs bearer tokens, sk- keys and configured literals, also JSON-escaped', () => {
    const scrub = createLineScrubber(['client-key-123', 'we"ird\\secret']);
    const line = JSON.stringify({
      msg: 'upstream said Bearer abc.def-ghi and sk-ABCDEFGHIJKLMNOPQRST',
      detail: 'key client-key-123 rejected',
      odd: 'we"ird\\secret',
    });
    const out = scrub(line);
    expect(out).not.toContain('abc.def-ghi');
    expect(out).not.toContain('sk-ABCDEFGHIJKLMNOPQRST');
    expect(out).not.toContain('client-key-123');
    expect(out).not.toContain('ird');
    expect(JSON.parse(out)).toMatchObject({ detail: `key ${REDACTED} rejected`, odd: REDACTED });
  });

  it('ignores very short literals that would shred ordinary text', () => {
    expect(createLineScrubber(['k'])('keep this')).toBe('keep this');
  });
});
