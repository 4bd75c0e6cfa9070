import { describe, expect, it } from 'vitest';
import { encodeSseEvent } from './sse.js';

describe('encodeSseEvent', () => {
  it('encodes text deltas from the template exactly as JSON.stringify would', () => {
    for (const delta of ['plain', 'quo"te\\back', 'line\nbreak\t', '\u2028\u0000 emoji 🎉', '']) {
      for (const logprobs of [[], [{ token: 'a', logprob: -0.1, bytes: [97], top_logprobs: [] }]]) {
        const ev = { type: 'response.output_text.delta', sequence_number: 7, item_id: 'msg_x"y', output_index: 2, content_index: 1, delta, logprobs };
        expect(encodeSseEvent(ev)).toBe(`event: response.output_text.delta\ndata: ${JSON.stringify(ev)}\n\n`);
      }
    }
  });

  it('encodes deltas of different parts and items right when they alternate', () => {
    const parts = [
      { item_id: 'msg_a', output_index: 0, content_index: 0 },
      { item_id: 'msg_a', output_index: 0, content_index: 1 },
      { item_id: 'msg_b', output_index: 0, content_index: 0 },
      { item_id: 'msg_b', output_index: 3, content_index: 0 },
    ];
    for (let i = 0; i < 12; i++) {
      const ev = { type: 'response.output_text.delta', sequence_number: i, ...parts[(i * 7) % parts.length]!, delta: `d${i}`, logprobs: [] };
      expect(encodeSseEvent(ev)).toBe(`event: response.output_text.delta\ndata: ${JSON.stringify(ev)}\n\n`);
    }
  });

  it('frames other events generically', () => {
    const ev = { type: 'response.completed', sequence_number: 3, response: { id: 'resp_1' } };
    expect(encodeSseEvent(ev)).toBe(`event: response.completed\ndata: ${JSON.stringify(ev)}\n\n`);
  });
});
