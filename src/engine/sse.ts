import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { StreamEvent } from './composer.js';

/** One Responses event in SSE framing: `event: <type>` + `data: <json>`. */
export function encodeSseEvent(ev: StreamEvent): string {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Write a chunk and wait for the socket to drain when its buffer is full, so a slow client
 * slows the upstream read instead of growing memory.
 */
export async function writeWithBackpressure(out: Writable, chunk: string): Promise<void> {
  if (out.write(chunk)) return;
  if (out.destroyed) return;
  await Promise.race([once(out, 'drain'), once(out, 'close')]);
}
