/**
 * Just enough HTML handling to turn a page into text a model can read: no DOM, no dependency.
 * Pages are untrusted and often malformed, so everything here is forgiving and linear-time.
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', copy: '©', reg: '®',
  trade: '™', middot: '·', bull: '•', deg: '°', euro: '€', pound: '£', yen: '¥', times: '×', shy: '',
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** Inline HTML fragment → plain text on one line (titles, snippets). */
export function inlineText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}

const DROPPED = /<(script|style|noscript|template|svg|iframe|object|canvas|select)\b[\s\S]*?<\/\1\s*>/gi;
const BLOCK = /<\/?(p|div|section|article|main|header|footer|aside|nav|h[1-6]|ul|ol|table|tr|blockquote|pre|form|fieldset|figure|figcaption|dl|dt|dd|address|details|summary|hr)\b[^>]*>/gi;

export interface PageText {
  title: string | null;
  text: string;
}

/** A whole HTML document → its title and readable text (paragraphs on their own lines). */
export function htmlToText(html: string): PageText {
  const titleMatch = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  const title = titleMatch ? inlineText(titleMatch[1]!) || null : null;
  const body = /<body\b[^>]*>([\s\S]*)/i.exec(html)?.[1] ?? html.replace(/<head\b[\s\S]*?<\/head\s*>/i, '');
  const text = body
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(DROPPED, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/t[dh]\s*>/gi, ' \t')
    .replace(BLOCK, '\n')
    .replace(/<[^>]*>/g, '');
  return { title, text: tidy(decodeEntities(text)) };
}

/** Collapse runs of spaces within lines and of blank lines between them. */
export function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[\s\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
