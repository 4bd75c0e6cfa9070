import { describe, expect, it } from 'vitest';
import { exaUrl } from './backend.js';
import { parseExaDocuments, toSearchResults } from './parse-results.js';

describe('Exa results', () => {
  it('reads labelled blocks with multi-line text', () => {
    const text = 'Title: One\nURL: https://a.example/\nPublished Date: x\nText: first\nsecond line\n\nTitle: Two\nURL: https://b.example/\nText: other';
    expect(toSearchResults(text)).toEqual([
      { url: 'https://a.example/', title: 'One', snippet: 'first second line' },
      { url: 'https://b.example/', title: 'Two', snippet: 'other' },
    ]);
  });

  it('reads the JSON layout', () => {
    expect(parseExaDocuments(JSON.stringify({ results: [{ url: 'https://a.example/', title: 'T', text: 'body' }, { title: 'no url' }] }))).toEqual([
      { url: 'https://a.example/', title: 'T', text: 'body' },
    ]);
  });

  it('appends the API key as exaApiKey only when set', () => {
    expect(exaUrl({ exaMcpUrl: 'https://mcp.exa.ai/mcp', exaApiKey: null }).toString()).toBe('https://mcp.exa.ai/mcp');
    expect(exaUrl({ exaMcpUrl: 'https://mcp.exa.ai/mcp?x=1', exaApiKey: 'k&1' }).toString()).toBe('https://mcp.exa.ai/mcp?x=1&exaApiKey=k%261');
  });
});
