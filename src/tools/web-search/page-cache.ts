import type { Page } from './backend.js';

/**
 * Pages opened during one request, so `find_in_page` searches what `open_page` read without
 * fetching it again. Keyed by the request's abort signal (one per request, dropped with it), so
 * nothing outlives the request and no request sees another's pages.
 */
export class RequestPageCache {
  private readonly byRequest = new WeakMap<AbortSignal, Map<string, Page>>();

  private pages(request: AbortSignal): Map<string, Page> {
    let pages = this.byRequest.get(request);
    if (!pages) this.byRequest.set(request, (pages = new Map()));
    return pages;
  }

  get(request: AbortSignal, url: string): Page | undefined {
    return this.pages(request).get(url);
  }

  /** Remember a page under the URL the model asked for and the URL it ended up at. */
  put(request: AbortSignal, requestedUrl: string, page: Page): void {
    const pages = this.pages(request);
    pages.set(requestedUrl, page);
    pages.set(page.url, page);
  }
}
