import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { ANONYMOUS_PRINCIPAL, principalOf } from '../../api/principal.js';
import { authPlugin, bearerToken, createKeyMatcher } from './auth.js';

describe('createKeyMatcher', () => {
  const matches = createKeyMatcher(['key-one-123456', 'key-two-abcdef']);
  it('accepts every configured key and nothing else', () => {
    expect(matches('key-one-123456')).toBe(principalOf('key-one-123456'));
    expect(matches('key-two-abcdef')).toBe(principalOf('key-two-abcdef'));
    for (const other of ['', 'key-one', 'key-one-1234567', 'KEY-ONE-123456', 'key-two-abcdef ']) expect(matches(other)).toBeNull();
  });
  it('accepts nothing without keys', () => {
    expect(createKeyMatcher([])('anything')).toBeNull();
  });
  it('derives a stable, distinct, non-secret principal per key', () => {
    const a = principalOf('key-one-123456');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(principalOf('key-one-123456')).toBe(a);
    expect(principalOf('key-two-abcdef')).not.toBe(a);
    expect(a).not.toContain('key-one');
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Basic abc', null],
    ['abc', null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('%j → %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('authPlugin principal', () => {
  async function principalSeen(keys: string[], authorization?: string): Promise<{ status: number; body: string }> {
    const app = Fastify();
    await app.register(authPlugin, { keys, openPaths: ['/health'] });
    app.get('/who', async (request) => request.principal);
    const res = await app.inject({ method: 'GET', url: '/who', headers: authorization ? { authorization } : {} });
    await app.close();
    return { status: res.statusCode, body: res.body };
  }
  it('is the matched key’s principal, and anonymous with auth off', async () => {
    expect(await principalSeen(['k-one', 'k-two'], 'Bearer k-two')).toEqual({ status: 200, body: principalOf('k-two') });
    expect(await principalSeen(['k-one', 'k-two'], 'Bearer k-one')).toEqual({ status: 200, body: principalOf('k-one') });
    expect((await principalSeen(['k-one'], 'Bearer nope')).status).toBe(401);
    expect(await principalSeen([])).toEqual({ status: 200, body: ANONYMOUS_PRINCIPAL });
  });
});
