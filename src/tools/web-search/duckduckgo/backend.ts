import { request } from 'undici';
import type { AddressPolicy } from '../address-policy.js';
import { WebSearchError, type Page, type SearchResult, type WebSearchBackend } from '../backend.js';
import { fetchPage, guardedHop, type Hop } from '../fetch-page.js';
import { toPage } from '../open-page.js';
import type { WebSearchSettings } from '../settings.js';
import { parseDuckDuckGoResults } from './parse-results.js';

const MAX_REDIRECTS = 5;
const MAX_SEARCH_BYTES = 1024 * 1024;

/**
 * `duckduckgo_plus_fetch`: search with DuckDuckGo's HTML endpoint, open pages with a guarded
 * HTTP fetch. The search endpoint is operator configuration, so it is not SSRF-checked; the
 * pages are chosen by the model, so they are.
 */
export function createDuckDuckGoBackend(settings: WebSearchSettings, hop?: Hop): WebSearchBackend {
  const policy: AddressPolicy = { allowLoopback: settings.allowLoopback };
  // One agent for the page policy, reused by every page fetch and closed with the tool.
  const guarded = hop ? null : guardedHop(policy);
  const pageHop = hop ?? guarded!;
  return {
    close: async () => {
      await guarded?.close();
    },
    async search(query: string, signal: AbortSignal): Promise<SearchResult[]> {
      const url = new URL(settings.ddgUrl);
      url.searchParams.set('q', query);
      let html: string;
      try {
        const res = await request(url, {
          method: 'GET',
          signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
          headers: { 'user-agent': 'Mozilla/5.0 (compatible; vllm-responses web_search)', accept: 'text/html' },
        });
        if (res.statusCode !== 200) {
          await res.body.dump();
          // DuckDuckGo answers 202 with a challenge page when it rate-limits a client.
          throw new WebSearchError(`the search service answered HTTP ${res.statusCode}`);
        }
        html = (await res.body.text()).slice(0, MAX_SEARCH_BYTES);
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof WebSearchError) throw err;
        throw new WebSearchError(`the search service is unreachable (${(err as Error).message})`);
      }
      return parseDuckDuckGoResults(html);
    },
    async openPage(url: string, signal: AbortSignal): Promise<Page> {
      const fetched = await fetchPage(url, { policy, hop: pageHop, signal, limits: { maxBytes: settings.maxPageBytes, timeoutMs: settings.timeoutMs, maxRedirects: MAX_REDIRECTS } });
      return toPage(fetched);
    },
  };
}
