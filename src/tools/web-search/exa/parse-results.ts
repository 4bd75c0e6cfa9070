import type { SearchResult } from '../backend.js';

/**
 * Exa's MCP tools answer with text content whose layout has changed over time: a JSON document
 * (`{results: [{url, title, text}]}`) or labelled blocks (`Title: …\nURL: …\nText: …`). Both
 * are accepted; anything else is kept as one block of text so the model still sees it.
 */
export interface ExaDocument {
  url: string;
  title: string;
  text: string;
}

function fromJson(text: string): ExaDocument[] | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const list = Array.isArray(data) ? data : (data as { results?: unknown })?.results;
  if (!Array.isArray(list)) return null;
  return list
    .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object' && typeof (r as { url?: unknown }).url === 'string')
    .map((r) => ({
      url: String(r.url),
      title: typeof r.title === 'string' ? r.title : String(r.url),
      text: [r.summary, r.text, Array.isArray(r.highlights) ? r.highlights.join(' … ') : null].find((v): v is string => typeof v === 'string' && v.length > 0) ?? '',
    }));
}

function fromLabelledBlocks(text: string): ExaDocument[] {
  const docs: ExaDocument[] = [];
  let cur: ExaDocument | null = null;
  let inText = false;
  for (const line of text.split('\n')) {
    const m = /^(Title|URL|Text|Summary|Highlights|Published Date|Author|ID|Image|Favicon):\s?(.*)$/.exec(line);
    if (m) {
      const [, label, value = ''] = m;
      if (label === 'Title' || (label === 'URL' && cur?.url)) {
        cur = { url: '', title: '', text: '' };
        docs.push(cur);
      }
      cur ??= docs[docs.push({ url: '', title: '', text: '' }) - 1]!;
      if (label === 'Title') cur.title = value.trim();
      else if (label === 'URL') cur.url = value.trim();
      inText = label === 'Text' || label === 'Summary' || label === 'Highlights';
      if (inText) cur.text += (cur.text ? '\n' : '') + value;
      continue;
    }
    if (inText && cur) cur.text += `\n${line}`;
  }
  return docs.filter((d) => d.url).map((d) => ({ ...d, title: d.title || d.url, text: d.text.trim() }));
}

export function parseExaDocuments(text: string): ExaDocument[] {
  return fromJson(text) ?? fromLabelledBlocks(text);
}

export function toSearchResults(text: string, max = 10): SearchResult[] {
  return parseExaDocuments(text)
    .slice(0, max)
    .map((d) => ({ url: d.url, title: d.title, snippet: d.text.replace(/\s+/g, ' ').trim() }));
}
