import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileAsIsCheck } from './forgiving-read.js';

describe('compileAsIsCheck', () => {
  const check = compileAsIsCheck(
    z.object({
      s: z.string().nullish(),
      n: z.number().optional(),
      list: z.array(z.union([z.string(), z.boolean()])).nullish(),
      rec: z.record(z.string(), z.unknown()).nullish(),
      any: z.unknown().optional(),
    }),
  );

  it('accepts what the schema passes unchanged, unread fields included', () => {
    expect(check({})).toBe(true);
    expect(check({ s: null, n: 1.5, list: ['a', true], rec: { a: [1] }, any: Symbol('x'), extra: { deep: 1 } })).toBe(true);
  });

  it('refuses what zod would reject, rebuild or read differently', () => {
    for (const bad of [null, [], 'x', { s: 1 }, { n: null }, { n: Number.NaN }, { n: Infinity }, { list: [1] }, { list: {} }, { rec: [] }, new (class K {})()]) expect(check(bad)).toBe(false);
    expect(check({ rec: JSON.parse('{"__proto__":{"a":1}}') })).toBe(false);
  });

  it('answers false for every input when the schema has parts it does not understand', () => {
    expect(compileAsIsCheck(z.object({ n: z.number().int() }))({ n: 1 })).toBe(false);
    expect(compileAsIsCheck(z.object({ s: z.string().default('x') }))({ s: 'y' })).toBe(false);
    expect(compileAsIsCheck(z.object({ s: z.string().transform((s) => s.length) }))({ s: 'y' })).toBe(false);
    expect(compileAsIsCheck(z.object({ s: z.string().catch('') }))({ s: 'y' })).toBe(false);
    // zod would take the first shape and strip `b`, which the second shape reads.
    expect(compileAsIsCheck(z.union([z.object({ a: z.string() }), z.object({ a: z.string(), b: z.number() })]))({ a: 'x', b: 1 })).toBe(false);
    expect(compileAsIsCheck(z.union([z.string(), z.unknown()]))('x')).toBe(false);
  });
});
