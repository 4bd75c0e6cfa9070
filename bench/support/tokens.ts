/** Names shared by the bench's upstream child and its load client. */

/** Token `i` of every bench answer: `tok0 tok1 …`. */
export function benchToken(i: number): string {
  return `tok${i} `;
}

/**
 * Bytes that first appear in a stream with its first text delta (the chunk's `delta.content`
 * directly, the `response.output_text.delta` event through the gateway): the TTFT mark.
 */
export const FIRST_TOKEN_MARK = 'tok0';

/** Model names the upstream child understands (see upstream-child.ts). */
export const benchModel = (tokens: number): string => `bench-${tokens}`;
export const HOLD_MODEL = 'bench-hold';
