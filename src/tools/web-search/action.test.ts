import { describe, expect, it } from 'vitest';
import { actionArguments, parseAction } from './action.js';

describe('parseAction', () => {
  it('reads each action', () => {
    expect(parseAction('{"action":"search","query":" rates "}')).toEqual({ action: { type: 'search', query: 'rates' } });
    expect(parseAction('{"action":"open_page","url":"https://a.example/"}')).toEqual({ action: { type: 'open_page', url: 'https://a.example/' } });
    expect(parseAction('{"action":"find_in_page","url":"https://a.example/","pattern":"best for"}')).toEqual({
      action: { type: 'find_in_page', url: 'https://a.example/', pattern: 'best for' },
    });
  });

  it('is lenient about what models write', () => {
    expect(parseAction('{"query":"q"}')).toEqual({ action: { type: 'search', query: 'q' } });
    expect(parseAction('{"action":{"type":"open_page","url":"https://a.example/"}}')).toEqual({ action: { type: 'open_page', url: 'https://a.example/' } });
  });

  it('explains what is missing', () => {
    expect(parseAction('{"action":"search"}')).toMatchObject({ error: 'search needs a query' });
    expect(parseAction('{"action":"find_in_page","url":"u"}')).toMatchObject({ error: /pattern/ });
    expect(parseAction('{"action":"browse","query":"q"}')).toMatchObject({ error: /unknown action 'browse'/ });
    expect(parseAction('{not json')).toMatchObject({ error: /JSON/ });
  });

  it('replays an item action as the arguments the model wrote, without sources', () => {
    expect(JSON.parse(actionArguments({ type: 'search', query: 'q', sources: [{ type: 'url', url: 'u' }] }))).toEqual({ action: 'search', query: 'q' });
  });
});
