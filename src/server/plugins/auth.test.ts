import { describe, expect, it } from 'vitest';
import { bearerToken, createKeyMatcher } from './auth.js';

describe('createKeyMatcher', () => {
  const matches = createKeyMatcher(['key-one-123456', 'key-two-abcdef']);
  it('accepts every configured key and nothing else', () => {
    expect(matches('key-one-123456')).toBe(true);
    expect(matches('key-two-abcdef')).toBe(true);
    for (const other of ['', 'key-one', 'key-one-1234567', 'KEY-ONE-123456', 'key-two-abcdef ']) expect(matches(other)).toBe(false);
  });
  it('accepts nothing without keys', () => {
    expect(createKeyMatcher([])('anything')).toBe(false);
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
