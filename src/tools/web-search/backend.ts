/**
 * What a web_search profile provides. The tool (items, events, what the model is told) is the
 * same for every profile; only these two operations differ.
 */
export interface SearchResult {
  url: string;
  title: string;
  snippet: string;
}

export interface Page {
  /** The page's address after redirects. */
  url: string;
  title: string | null;
  /** Readable text of the whole page (bounded by the fetch size cap). */
  text: string;
}

export interface WebSearchBackend {
  search(query: string, signal: AbortSignal): Promise<SearchResult[]>;
  openPage(url: string, signal: AbortSignal): Promise<Page>;
  /** Release connection pools at shutdown. */
  close?(): Promise<void>;
}

/** A failure whose message is safe and useful to show the model (and the operator). */
export class WebSearchError extends Error {
  override readonly name = 'WebSearchError';
}
