import { z } from 'zod';

/** A `web_search_call` as clients send it back in `input`, and as stored and emitted. */
export const webSearchCallInput = z.object({
  type: z.literal('web_search_call'),
  id: z.string(),
  status: z.enum(['in_progress', 'searching', 'completed', 'failed']).default('completed'),
  action: z.record(z.string(), z.unknown()).optional(),
});
export type WebSearchCallItem = z.output<typeof webSearchCallInput>;

declare module '../../api/items.js' {
  interface GatewayToolItems {
    web_search_call: WebSearchCallItem;
  }
}
