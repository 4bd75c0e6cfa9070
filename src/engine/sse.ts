import type { StreamEvent } from './composer.js';

/** One Responses event in SSE framing: `event: <type>` + `data: <json>`. */
export function encodeSseEvent(ev: StreamEvent): string {
  if (ev.type === 'response.output_text.delta') return encodeTextDelta(ev);
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

/**
 * Text deltas are most of a stream's events, one per token: serialise them from a template
 * (same bytes and key order as JSON.stringify) so only the delta text goes through the encoder.
 */
function encodeTextDelta(ev: StreamEvent): string {
  const lp = ev.logprobs as unknown[] | undefined;
  const logprobs = lp && lp.length ? JSON.stringify(lp) : '[]';
  return (
    `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${ev.sequence_number}` +
    `,"item_id":${JSON.stringify(ev.item_id)},"output_index":${ev.output_index as number},"content_index":${ev.content_index as number}` +
    `,"delta":${JSON.stringify(ev.delta)},"logprobs":${logprobs}}\n\n`
  );
}

export const SSE_DONE = 'data: [DONE]\n\n';

/** An SSE comment line: clients ignore it, idle-timeout proxies see traffic. */
export const SSE_KEEPALIVE = ': keep-alive\n\n';
