import type { SearchResult } from '../backend.js';
import { decodeEntities, inlineText } from '../html-text.js';

/**
 * Results from DuckDuckGo's HTML endpoint (`html.duckduckgo.com/html/`). Each result has a
 * title link with class `result__a` and, after it, an element with class `result__snippet`.
 * Matching on those class names alone (not on the surrounding layout) keeps the parser working
 * when DuckDuckGo reshuffles its markup.
 */

/** Result links point at DuckDuckGo's redirector (`//duckduckgo.com/l/?uddg=<target>`): unwrap it. */
export function decodeResultLink(href: string): string | null {
  const raw = decodeEntities(href.trim());
  let url: URL;
  try {
    url = new URL(raw, 'https://duckduckgo.com/');
  } catch {
    return null;
  }
  if (/(^|\.)duckduckgo\.com$/.test(url.hostname)) {
    const target = url.searchParams.get('uddg');
    // Ads go through /y.js and carry no uddg: they are not search results.
    if (!target) return null;
    try {
      url = new URL(target);
    } catch {
      return null;
    }
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
}

function attr(attrs: string, name: string): string | null {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3] ?? null) : null;
}

/** Only elements whose class names a title link or a snippet; everything else is skipped. */
const RESULT_PART = /<(a|div|td|span)\b([^>]*\bclass\s*=\s*["'][^"']*\bresult__(?:a|snippet)\b[^"']*["'][^>]*)>([\s\S]*?)<\/\1\s*>/gi;

export function parseDuckDuckGoResults(html: string, max = 10): SearchResult[] {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  let current: SearchResult | null = null;
  for (const m of html.matchAll(RESULT_PART)) {
    const attrs = m[2]!;
    const classes = (attr(attrs, 'class') ?? '').split(/\s+/);
    if (m[1]!.toLowerCase() === 'a' && classes.includes('result__a')) {
      if (results.length >= max) break;
      const href = attr(attrs, 'href');
      const url = href ? decodeResultLink(href) : null;
      current = null;
      if (!url || seen.has(url)) continue;
      seen.add(url);
      current = { url, title: inlineText(m[3]!) || url, snippet: '' };
      results.push(current);
    } else if (classes.includes('result__snippet') && current && !current.snippet) {
      current.snippet = inlineText(m[3]!);
    }
  }
  return results;
}
