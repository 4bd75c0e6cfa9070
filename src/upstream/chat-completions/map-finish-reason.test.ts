import { describe, expect, it } from 'vitest';
import { mapFinishReason } from './map-finish-reason.js';

describe('mapFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content_filter'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['abort', 'stop'],
    [null, 'stop'],
    [undefined, 'stop'],
  ] as const)('%s → %s', (input, expected) => {
    expect(mapFinishReason(input)).toBe(expected);
  });
});
