import { z } from 'zod';
import type { Item } from '../../api/items.js';
import { defineToolSpec } from '../spec.js';
import { WEB_SEARCH_FUNCTION } from './action.js';
import { webSearchCallInput, type WebSearchCallItem } from './items.js';

export const webSearchEntrySchema = z.object({
  type: z.literal(['web_search', 'web_search_preview', 'web_search_2025_08_26', 'web_search_preview_2025_03_11']),
  search_context_size: z.enum(['low', 'medium', 'high']).optional(),
  user_location: z.unknown().optional(),
  filters: z.unknown().optional(),
  /** Codex sends it; `false` asks for cached results only (see README, "Clients"). */
  external_web_access: z.boolean().optional(),
});
export type WebSearchEntry = z.infer<typeof webSearchEntrySchema>;

/**
 * A `web_search_call` item's client view: `model_output` is what the gateway told the model
 * (kept for replay), never a client field; the action's `sources` only with `include`.
 */
function clientView(item: Item, include: readonly string[]): Item {
  const { model_output: _told, ...rest } = item as WebSearchCallItem & { model_output?: string };
  if (rest.action && 'sources' in rest.action && !include.includes('web_search_call.action.sources')) {
    const { sources: _sources, ...action } = rest.action;
    return { ...rest, action };
  }
  return rest;
}

export const webSearchSpec = defineToolSpec({
  kind: 'web_search',
  omittableWhenOff: true,
  requestSchema: webSearchEntrySchema,
  choiceSchema: z.object({ type: z.literal(['web_search', 'web_search_preview']) }),
  reservedFunctionName: (name) => (name === WEB_SEARCH_FUNCTION ? `Function name '${name}' is reserved for the gateway's built-in tool of that name.` : null),
  echo: (entry) => ({ ...entry }),
  inputItems: [webSearchCallInput],
  includeValues: ['web_search_call.action.sources', 'web_search_call.results'],
  clientFilters: { web_search_call: clientView },
});
