import { describe, expect, it } from 'vitest';
import { parseRawHeaders } from './exchange.js';

describe('parseRawHeaders', () => {
  it('lower-cases names and keeps repeated headers as arrays, as undici does', () => {
    const raw = ['Content-Type', 'text/event-stream', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Empty', ''].map((s) => Buffer.from(s));
    expect(parseRawHeaders(raw)).toEqual({ 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'], 'x-empty': '' });
  });

  it('passes a UTF-8 content-disposition on as its bytes when the length is known', () => {
    const raw = [Buffer.from('content-length'), Buffer.from('3'), Buffer.from('content-disposition'), Buffer.from('attachment; filename="é.txt"')];
    const value = parseRawHeaders(raw)['content-disposition'] as string;
    expect(Buffer.from(value, 'latin1').toString('utf8')).toBe('attachment; filename="é.txt"');
  });
});
