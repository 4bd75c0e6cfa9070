import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.js';
import { deepestPath } from './validate-request.js';

/** The walk as it was first written (a path array per value): the reference for the reported path. */
function reference(root: unknown, max: number): PropertyKey[] | null {
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: root, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= max) return path;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...path, k] });
  }
  return null;
}

describe('deepestPath', () => {
  it('names the first value nested deeper than allowed, or null', () => {
    expect(deepestPath({ a: [{ b: 1 }] }, 3)).toBeNull();
    expect(deepestPath({ a: [{ b: {} }] }, 3)).toEqual(['a', 0, 'b']);
    expect(deepestPath([[[]]], 2)).toEqual([0, 0]);
    expect(deepestPath('x', 0)).toBeNull();
    expect(deepestPath({}, 0)).toEqual([]);
  });

  it('reports the same path as the reference walk on random trees (seeded)', () => {
    const rand = seededRandom(0x6a09e667);
    const tree = (depth: number): unknown => {
      if (depth > 9 || rand(6) === 0) return rand(3) ? 1 : null;
      if (rand(2)) return Array.from({ length: rand(3) + 1 }, () => tree(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = rand(3) + 1; i > 0; i--) o[`k${rand(5)}`] = tree(depth + 1);
      return o;
    };
    let found = 0;
    for (let n = 0; n < 5000; n++) {
      const root = tree(0);
      const max = rand(9);
      const expected = reference(root, max);
      if (expected) found++;
      expect(deepestPath(root, max)).toEqual(expected);
    }
    expect(found).toBeGreaterThan(1000);
  });
});
