import { describe, expect, it } from 'vitest';
import { duckDuckGoHtml } from '../../../../test/support/web-search-servers.js';
import { decodeResultLink, parseDuckDuckGoResults } from './parse-results.js';

describe('parseDuckDuckGoResults', () => {
  it('reads titles, unwrapped links and snippets, skipping ads', () => {
    const html = duckDuckGoHtml([
      { url: 'https://example.com/a?x=1&y=2', title: 'Example <b>A</b> &amp; co', snippet: 'The <b>first</b> one.' },
      { url: 'https://example.org/', title: 'B', snippet: 'Second.' },
    ]);
    expect(parseDuckDuckGoResults(html)).toEqual([
      { url: 'https://example.com/a?x=1&y=2', title: 'Example A & co', snippet: 'The first one.' },
      { url: 'https://example.org/', title: 'B', snippet: 'Second.' },
    ]);
  });

  it('caps, de-duplicates, and tolerates missing snippets and single quotes', () => {
    const html =
      "<a class='result__a' href='https://direct.example/'>Direct</a>" +
      '<a class="result__a" href="https://direct.example/">Again</a>' +
      '<a class="result__a" href="https://third.example/">Third</a><td class="result__snippet">T</td>';
    expect(parseDuckDuckGoResults(html)).toEqual([
      { url: 'https://direct.example/', title: 'Direct', snippet: '' },
      { url: 'https://third.example/', title: 'Third', snippet: 'T' },
    ]);
    expect(parseDuckDuckGoResults(html, 1)).toHaveLength(1);
  });

  it('returns nothing for a page without results (e.g. a challenge page)', () => {
    expect(parseDuckDuckGoResults('<html><body>Please verify you are human</body></html>')).toEqual([]);
  });

  it('decodes redirect links and refuses non-web schemes', () => {
    expect(decodeResultLink('//duckduckgo.com/l/?uddg=https%3A%2F%2Fa.example%2Fp&amp;rut=1')).toBe('https://a.example/p');
    expect(decodeResultLink('https://duckduckgo.com/y.js?ad=1')).toBeNull();
    expect(decodeResultLink('//duckduckgo.com/l/?uddg=javascript%3Aalert(1)')).toBeNull();
  });
});
