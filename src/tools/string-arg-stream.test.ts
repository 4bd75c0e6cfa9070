import { describe, expect, it } from 'vitest';
import { StringArgStream } from './string-arg-stream.js';

function feed(key: string, fragments: string[]): string {
  const s = new StringArgStream(key);
  return fragments.map((f) => s.push(f)).join('');
}

describe('StringArgStream', () => {
  it('decodes the value of its key across fragments split anywhere, escapes included', () => {
    const args = JSON.stringify({ other: 'x', code: 'print("hi")\n\tπ \\ done' });
    for (let cut = 1; cut < args.length; cut++) {
      expect(feed('code', [args.slice(0, cut), args.slice(cut)])).toBe('print("hi")\n\tπ \\ done');
    }
    expect(feed('code', args.split(''))).toBe('print("hi")\n\tπ \\ done');
  });

  it('reads only the key it was given and stops at the closing quote', () => {
    expect(feed('input', ['{"code": "no", "in', 'put": "yes"', ', "more": "z"}'])).toBe('yes');
  });

  it('decodes \\u escapes split between fragments', () => {
    expect(feed('code', ['{"code": "a\\u00', 'e9b"}'])).toBe('aéb');
  });

  it('yields nothing for arguments it cannot follow', () => {
    expect(feed('code', ['print(1)'])).toBe('');
  });
});
