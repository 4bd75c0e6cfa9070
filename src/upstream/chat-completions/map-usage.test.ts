import { describe, expect, it } from 'vitest';
import { mapUsage } from './map-usage.js';

describe('mapUsage', () => {
  it('reads cached and reasoning token details', () => {
    expect(mapUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } })).toEqual({
      input_tokens: 10,
      output_tokens: 5,
      cached_tokens: 4,
      reasoning_tokens: 3,
    });
  });

  it('defaults missing or null details to 0 (vLLM sends prompt_tokens_details: null)', () => {
    expect(mapUsage({ prompt_tokens: 1, completion_tokens: 2, prompt_tokens_details: null })).toEqual({ input_tokens: 1, output_tokens: 2, cached_tokens: 0, reasoning_tokens: 0 });
  });
});
