import { describe, expect, it } from 'vitest';
import { mapLogprobs } from './map-logprobs.js';

describe('mapLogprobs', () => {
  it('maps content entries and defaults bytes to []', () => {
    expect(mapLogprobs({ content: [{ token: 'a', logprob: -1, bytes: null, top_logprobs: [{ token: 'b', logprob: -2 }] }] })).toEqual([
      { token: 'a', logprob: -1, bytes: [], top_logprobs: [{ token: 'b', logprob: -2, bytes: [] }] },
    ]);
  });

  it('returns [] for null or missing logprobs', () => {
    expect(mapLogprobs(null)).toEqual([]);
    expect(mapLogprobs({ content: null })).toEqual([]);
  });
});
