import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { WebSearchError, type Page, type SearchResult, type WebSearchBackend } from '../backend.js';
import type { WebSearchSettings } from '../settings.js';
import { parseExaDocuments, toSearchResults } from './parse-results.js';

const SEARCH_TOOL = 'web_search_exa';
const CRAWL_TOOL = 'crawling_exa';
const NUM_RESULTS = 8;

/** The Exa MCP URL with the API key appended as `exaApiKey`, when one is configured. */
export function exaUrl(settings: Pick<WebSearchSettings, 'exaMcpUrl' | 'exaApiKey'>): URL {
  const url = new URL(settings.exaMcpUrl);
  if (settings.exaApiKey) url.searchParams.set('exaApiKey', settings.exaApiKey);
  return url;
}

/**
 * `exa_mcp`: Exa's hosted MCP server over Streamable HTTP. Each call opens its own short MCP
 * session: nothing long-lived to keep healthy across requests or workers, and a failed
 * session never poisons the next call (the initialize round trip is small next to Exa's own work).
 */
export function createExaBackend(settings: WebSearchSettings): WebSearchBackend {
  // The key travels in the URL, so it must never appear in a message that gets logged or shown.
  const scrub = (msg: string) => (settings.exaApiKey ? msg.split(settings.exaApiKey).join('***') : msg);

  async function callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<string> {
    const client = new Client({ name: 'vllm-responses-web-search', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(exaUrl(settings));
    const timeout = settings.timeoutMs;
    try {
      await client.connect(transport, { signal, timeout });
      const result = await client.callTool({ name, arguments: args }, undefined, { signal, timeout });
      const text = ((result.content ?? []) as { type: string; text?: string }[])
        .filter((c) => c.type === 'text' && typeof c.text === 'string')
        .map((c) => c.text)
        .join('\n');
      if (result.isError) throw new WebSearchError(`the search service reported an error: ${scrub(text).slice(0, 300)}`);
      return text;
    } catch (err) {
      if (signal.aborted || err instanceof WebSearchError) throw err;
      throw new WebSearchError(`the search service failed (${scrub((err as Error).message).slice(0, 300)})`);
    } finally {
      await client.close().catch(() => {});
    }
  }

  return {
    async search(query: string, signal: AbortSignal): Promise<SearchResult[]> {
      return toSearchResults(await callTool(SEARCH_TOOL, { query, numResults: NUM_RESULTS }, signal));
    },
    async openPage(url: string, signal: AbortSignal): Promise<Page> {
      const text = await callTool(CRAWL_TOOL, { url }, signal);
      const doc = parseExaDocuments(text)[0];
      if (doc && doc.text) return { url: doc.url || url, title: doc.title || null, text: doc.text };
      if (!text.trim()) throw new WebSearchError(`no content was returned for ${url}`);
      return { url, title: null, text: text.trim() };
    },
  };
}
