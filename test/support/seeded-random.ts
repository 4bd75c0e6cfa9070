/**
 * A seeded pseudo-random source for fuzz-style tests: xorshift32, so every run draws the same
 * cases (a failure reproduces) without a dependency. Not for anything but tests.
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  /** An integer in [0, n). */
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}
