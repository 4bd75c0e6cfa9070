import type { IdGenerator } from '../../api/ids.js';
import type { Item } from '../../api/items.js';
import type { WebSearchCallItem } from './items.js';
import type { ModelTool } from '../../upstream/types.js';
import type { CallPresenter, GatewayCall, GatewayTool, ToolRunContext } from '../types.js';
import { actionArguments, MODEL_TOOL, parseAction, WEB_SEARCH_FUNCTION, type WebSearchAction } from './action.js';
import type { Page, WebSearchBackend } from './backend.js';
import { allowedDomains, scopedQuery, urlAllowed } from './domain-filter.js';
import { failureText, findText, pageText, searchText } from './model-text.js';
import { RequestPageCache } from './page-cache.js';

/**
 * A `web_search_call` item as the gateway keeps it: `model_output` is what the model was told
 * (stored so continuations replay exactly that); the include filter strips it for clients.
 */
type StoredWebSearchCall = WebSearchCallItem & { model_output?: string };

/** What the model is told on replay when an item carries no stored text (e.g. sent by a client). */
function replayText(item: StoredWebSearchCall): string {
  if (typeof item.model_output === 'string') return item.model_output;
  const action = item.action ?? {};
  const sources = Array.isArray(action.sources) ? (action.sources as { url?: unknown }[]).map((s) => s.url).filter((u): u is string => typeof u === 'string') : [];
  const lines = [`(web_search ${String(action.type ?? 'search')} ${item.status}; its full output is not available)`];
  if (sources.length) lines.push('Sources:', ...sources.map((u) => `- ${u}`));
  return lines.join('\n');
}

/**
 * The built-in `web_search`: the model sees one `web_search(action, …)` function; the gateway
 * runs the action with the configured profile's backend and continues the conversation with a
 * bounded text of what it found. Clients see only `web_search_call` items and their events.
 */
export function createWebSearchTool(backend: WebSearchBackend): GatewayTool {
  const cache = new RequestPageCache();

  async function open(url: string, request: AbortSignal): Promise<Page> {
    const cached = cache.get(request, url);
    if (cached) return cached;
    const page = await backend.openPage(url, request);
    cache.put(request, url, page);
    return page;
  }

  /** Run one action: the model's text, and the sources to record for a search. */
  async function perform(action: WebSearchAction, request: AbortSignal, domains: string[] | null): Promise<{ text: string; sources?: { type: 'url'; url: string }[] }> {
    const openAllowed = (url: string) => {
      if (!urlAllowed(url, domains)) throw new Error(`${url} is outside the allowed domains (${domains?.join(', ')})`);
      return open(url, request);
    };
    switch (action.type) {
      case 'search': {
        const results = (await backend.search(scopedQuery(action.query, domains), request)).filter((r) => urlAllowed(r.url, domains));
        return { text: searchText(action.query, results), sources: results.map((r) => ({ type: 'url', url: r.url })) };
      }
      case 'open_page':
        return { text: pageText(await openAllowed(action.url)) };
      case 'find_in_page':
        // A page not opened yet in this request is opened now rather than refused: the model
        // gets its answer in one step instead of being told to call open_page first.
        return { text: findText(await openAllowed(action.url), action.pattern) };
    }
  }

  return {
    kind: 'web_search',
    close: async () => {
      await backend.close?.();
    },
    modelTools(): ModelTool[] {
      return [MODEL_TOOL];
    },
    owns(name) {
      return name === WEB_SEARCH_FUNCTION;
    },
    presenter(newId: IdGenerator): CallPresenter {
      return {
        // As OpenAI does: the item is announced without an action; it is filled in when done.
        createItem: (): WebSearchCallItem => ({ type: 'web_search_call', id: newId('ws'), status: 'in_progress' }),
        added: (item, sink) => sink.event('response.web_search_call.in_progress', item),
        argumentsDelta: () => {},
        argumentsDone: () => false,
      };
    },
    async run(call: GatewayCall, ctx: ToolRunContext): Promise<void> {
      const item = ctx.item as StoredWebSearchCall;
      item.status = 'searching';
      ctx.sink.event('response.web_search_call.searching', item);
      const parsed = parseAction(call.arguments);
      if ('error' in parsed) {
        item.action = { ...parsed.partial };
        item.model_output = failureText(parsed.partial.type, parsed.error);
        item.status = 'failed';
      } else {
        item.action = { ...parsed.action };
        try {
          const { text, sources } = await perform(parsed.action, ctx.signal, allowedDomains((ctx.entry as { filters?: unknown }).filters));
          if (sources) item.action.sources = sources;
          item.model_output = text;
          item.status = 'completed';
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          item.model_output = failureText(parsed.action.type, (err as Error).message);
          item.status = 'failed';
        }
      }
      // OpenAI defines no `failed` event for web search: `completed` ends the search phase and
      // the item's status says how it went.
      ctx.sink.event('response.web_search_call.completed', item);
      ctx.sink.done(item);
    },
    toModelItems(item: Item): Item[] | null {
      if (item.type !== 'web_search_call') return null;
      return [
        { type: 'function_call', id: `fc_${item.id}`, call_id: item.id, name: WEB_SEARCH_FUNCTION, arguments: actionArguments(item.action), status: 'completed' },
        { type: 'function_call_output', id: `fco_${item.id}`, call_id: item.id, output: replayText(item), status: 'completed' },
      ];
    },
  };
}
