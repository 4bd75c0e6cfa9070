import { describe, expect, it } from 'vitest';
import { decodeEntities, htmlToText } from './html-text.js';

describe('htmlToText', () => {
  it('keeps the readable text and the title, drops scripts, styles and comments', () => {
    const page = htmlToText(
      '<html><head><title>A &amp; B</title><style>p{}</style></head><body><!-- hidden --><script>alert(1)</script>' +
        '<h1>Head</h1><p>One&nbsp;two <b>three</b></p><ul><li>x</li><li>y</li></ul>line<br>break<table><tr><td>a</td><td>b</td></tr></table></body></html>',
    );
    expect(page.title).toBe('A & B');
    expect(page.text).toBe('Head\n\nOne two three\n\n- x\n- y\nline\nbreak\n\na b');
    expect(page.text).not.toMatch(/alert|hidden|p\{\}/);
  });

  it('copes with fragments and unclosed tags', () => {
    expect(htmlToText('<p>just <i>text').text).toBe('just text');
    expect(htmlToText('plain').title).toBeNull();
  });

  it('decodes named and numeric entities, leaving unknown ones', () => {
    expect(decodeEntities('&lt;a&gt; &#39;q&#x27; &mdash; &bogus; &#0;')).toBe("<a> 'q' — &bogus; &#0;");
  });
});
