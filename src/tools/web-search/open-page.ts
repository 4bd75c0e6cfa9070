import type { Page } from './backend.js';
import type { FetchedPage } from './fetch-page.js';
import { htmlToText, tidy } from './html-text.js';

/** A fetched document → the page the model reads (HTML becomes text; other text stays as is). */
export function toPage(fetched: FetchedPage): Page {
  const note = fetched.truncated ? '\n\n[The page was larger than the fetch limit; the rest was not read.]' : '';
  if (/html|xml/i.test(fetched.contentType) || /^\s*<(!doctype|html)/i.test(fetched.body)) {
    const { title, text } = htmlToText(fetched.body);
    return { url: fetched.url, title, text: text + note };
  }
  return { url: fetched.url, title: null, text: tidy(fetched.body) + note };
}
