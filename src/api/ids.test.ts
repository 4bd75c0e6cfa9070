import { describe, expect, it } from 'vitest';
import { ID_PATTERN, newId, timeHex } from './ids.js';

describe('newId', () => {
  it('is the prefix, the creation time in 12 hex digits, then 192 random bits', () => {
    const before = Date.now();
    const id = newId('resp');
    const after = Date.now();
    expect(id).toMatch(/^resp_[0-9a-f]{60}$/);
    expect(id).toMatch(ID_PATTERN);
    const ms = parseInt(id.slice(5, 17), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    expect(new Set(Array.from({ length: 1000 }, () => newId('msg').slice(16))).size).toBe(1000);
  });

  it('sorts by creation time as a string (fixed width)', () => {
    const times = [0, 1, 15, 16, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47];
    const hex = times.map(timeHex);
    expect(hex.every((h) => h.length === 12)).toBe(true);
    expect([...hex].sort()).toEqual(hex);
  });
});
