import { describe, expect, it } from 'vitest';
import { parseTokenizeAnswer } from './token-counter.js';

describe('parseTokenizeAnswer', () => {
  it("reads count and max_model_len of vLLM's answer, with or without the ids", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i * 7);
    expect(parseTokenizeAnswer(JSON.stringify({ count: 5000, max_model_len: 8192, tokens: ids, token_strs: null }))).toEqual({ count: 5000, max_model_len: 8192 });
    expect(parseTokenizeAnswer('{ "count": 3, "tokens": [1, 2, 3] }')).toEqual({ count: 3, max_model_len: null });
    // No count: the ids are counted; other shapes and invalid JSON are a 502.
    expect(parseTokenizeAnswer(JSON.stringify({ tokens: [4, 5], max_model_len: 0 }))).toEqual({ count: 2, max_model_len: null });
    expect(parseTokenizeAnswer(JSON.stringify({ count: 2, tokens: [1, 2], token_strs: ['"tokens":[', ']'] }))).toEqual({ count: 2, max_model_len: null });
    expect(() => parseTokenizeAnswer('{"nothing": true}')).toThrow(/no count/);
    expect(() => parseTokenizeAnswer('<html>')).toThrow(/invalid JSON/);
    expect(() => parseTokenizeAnswer('{"count": 1, "tokens":[1]')).toThrow(/invalid JSON/);
  });
});
