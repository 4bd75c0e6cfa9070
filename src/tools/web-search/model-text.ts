import type { Page, SearchResult } from './backend.js';

/**
 * What the model is told about each action: compact and bounded, so one search or one long page
 * cannot flood the context. Truncation is always stated, with what to do about it.
 */
export const LIMITS = {
  snippetChars: 400,
  pageChars: 12_000,
  matchContextChars: 240,
  maxMatches: 12,
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max).trimEnd()}…`;
}

export function searchText(query: string, results: SearchResult[]): string {
  if (results.length === 0) return `No results for "${query}". Try different or fewer words.`;
  const lines = [`Search results for "${query}":`];
  results.forEach((r, i) => {
    lines.push('', `[${i + 1}] ${r.title}`, `URL: ${r.url}`);
    if (r.snippet) lines.push(clip(r.snippet, LIMITS.snippetChars));
  });
  lines.push('', 'Use open_page with a URL to read a page, and cite the URLs you use.');
  return lines.join('\n');
}

export function pageText(page: Page): string {
  const head = [`Page: ${page.url}`, ...(page.title ? [`Title: ${page.title}`] : []), ''];
  const body = page.text || '(the page has no readable text)';
  if (body.length <= LIMITS.pageChars) return [...head, body].join('\n');
  return [
    ...head,
    body.slice(0, LIMITS.pageChars),
    '',
    `[Truncated: showing the first ${LIMITS.pageChars} of ${body.length} characters. Use find_in_page with this URL and a pattern to search the rest.]`,
  ].join('\n');
}

/** Case-insensitive literal matches of `pattern`, each with some text around it. */
export function findText(page: Page, pattern: string): string {
  const haystack = page.text.toLowerCase();
  const needle = pattern.toLowerCase().trim();
  if (!needle) return 'find_in_page needs a non-empty pattern.';
  const passages: string[] = [];
  let total = 0;
  let lastEnd = -1;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    total++;
    if (passages.length >= LIMITS.maxMatches || at < lastEnd) continue;
    const start = Math.max(0, at - LIMITS.matchContextChars);
    const end = Math.min(page.text.length, at + needle.length + LIMITS.matchContextChars);
    lastEnd = end;
    passages.push(`${start > 0 ? '…' : ''}${page.text.slice(start, end).replace(/\s+/g, ' ').trim()}${end < page.text.length ? '…' : ''}`);
  }
  if (total === 0) return `No matches for "${pattern}" in ${page.url}.`;
  const head = `${total} match${total === 1 ? '' : 'es'} for "${pattern}" in ${page.url}${passages.length < total ? ` (showing ${passages.length} passages)` : ''}:`;
  return [head, ...passages.map((p, i) => `\n[${i + 1}] ${p}`)].join('\n');
}

export function failureText(action: string, message: string): string {
  return `web_search ${action} failed: ${message}. Try something else, or answer without it and say the web could not be reached.`;
}
