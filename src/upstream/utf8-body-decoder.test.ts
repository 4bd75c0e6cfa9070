import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/seeded-random.js';
import { Utf8BodyDecoder } from './utf8-body-decoder.js';

describe('Utf8BodyDecoder', () => {
  it('decodes like a streaming TextDecoder, however the bytes are cut (seeded random bytes)', () => {
    // Seeded: the same cases on every run. Bytes biased towards UTF-8 lead/continuation bytes and a BOM.
    const rand = seededRandom(0x2545f491);
    const pool = [0x41, 0x0a, 0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xe2, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0x9f, 0x98, 0xff, 0xef, 0xbb];
    for (let n = 0; n < 20000; n++) {
      const bytes = Buffer.from(Array.from({ length: 1 + rand(10) }, () => pool[rand(pool.length)]!));
      const ours = new Utf8BodyDecoder();
      const reference = new TextDecoder();
      let got = '';
      let want = '';
      for (let at = 0; at < bytes.length; ) {
        const next = Math.min(bytes.length, at + 1 + rand(4));
        got += ours.write(bytes.subarray(at, next));
        want += reference.decode(bytes.subarray(at, next), { stream: true });
        at = next;
      }
      got += ours.end();
      want += reference.decode();
      if (got !== want) expect([...bytes], `${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBe('the same text');
    }
  });

  it('drops a byte-order mark only at the start of the body', () => {
    const d = new Utf8BodyDecoder();
    expect(d.write(Buffer.from([0xef]))).toBe('');
    expect(d.write(Buffer.from([0xbb, 0xbf, 0x61]))).toBe('a');
    expect(d.write(Buffer.from('\uFEFFb'))).toBe('\uFEFFb');
  });
});
