/**
 * The model-facing `web_search` function and the action it asks for. The model picks one of
 * three actions with flat arguments (small models handle a flat object far better than a union).
 */
import type { ModelTool } from '../../upstream/types.js';

export const WEB_SEARCH_FUNCTION = 'web_search';

export type WebSearchAction =
  | { type: 'search'; query: string }
  | { type: 'open_page'; url: string }
  | { type: 'find_in_page'; url: string; pattern: string };

export const MODEL_TOOL: ModelTool = {
  name: WEB_SEARCH_FUNCTION,
  description:
    'Search the web and read pages. action "search" needs `query` and returns result titles, URLs and snippets; ' +
    '"open_page" needs `url` and returns the text of the page; "find_in_page" needs `url` and `pattern` and returns ' +
    'the passages of that page containing the pattern (use it on long pages after open_page).',
  parameters: {
    type: 'object',
    properties: {
      action: { type: 'string', enum: ['search', 'open_page', 'find_in_page'], description: 'What to do.' },
      query: { type: 'string', description: 'search: what to search for.' },
      url: { type: 'string', description: 'open_page and find_in_page: the page URL (http or https).' },
      pattern: { type: 'string', description: 'find_in_page: text to look for (case-insensitive).' },
    },
    required: ['action'],
    additionalProperties: false,
  },
  strict: false,
};

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

/**
 * The action in the model's arguments, or why there is none. Lenient about what models really
 * write: a missing `action` with a query means search, and `{action: {type, …}}` is accepted.
 */
export function parseAction(args: string): { action: WebSearchAction } | { error: string; partial: WebSearchAction } {
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(args || '{}');
    raw = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { error: 'the arguments were not valid JSON', partial: { type: 'search', query: '' } };
  }
  if (raw.action && typeof raw.action === 'object') raw = { ...raw, ...(raw.action as Record<string, unknown>), action: (raw.action as { type?: unknown }).type };
  const kind = str(raw.action) ?? str(raw.type) ?? (str(raw.pattern) ? 'find_in_page' : str(raw.url) ? 'open_page' : 'search');
  const query = str(raw.query) ?? (Array.isArray(raw.queries) ? str(raw.queries[0]) : null);
  const url = str(raw.url);
  const pattern = str(raw.pattern);
  switch (kind) {
    case 'search':
      return query ? { action: { type: 'search', query } } : { error: 'search needs a query', partial: { type: 'search', query: '' } };
    case 'open_page':
      return url ? { action: { type: 'open_page', url } } : { error: 'open_page needs a url', partial: { type: 'open_page', url: '' } };
    case 'find_in_page':
      if (url && pattern) return { action: { type: 'find_in_page', url, pattern } };
      return { error: 'find_in_page needs a url and a pattern', partial: { type: 'find_in_page', url: url ?? '', pattern: pattern ?? '' } };
    default:
      return { error: `unknown action '${kind}' (use search, open_page or find_in_page)`, partial: { type: 'search', query: query ?? '' } };
  }
}

/** The arguments the model wrote, as replayed on continuations (without client-only fields). */
export function actionArguments(action: Record<string, unknown> | undefined): string {
  const type = typeof action?.type === 'string' ? action.type : 'search';
  const out: Record<string, unknown> = { action: type };
  for (const key of ['query', 'url', 'pattern'] as const) if (typeof action?.[key] === 'string') out[key] = action[key];
  return JSON.stringify(out);
}
