import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { readAnswerText } from './read-answer.js';

function body(): Readable {
  return new Readable({ read() {} });
}

describe('readAnswerText', () => {
  it('joins the pieces of a body, a character split between two reads included', async () => {
    const b = body();
    const bytes = Buffer.from('{"a":"héllo 🌍"}');
    const reading = readAnswerText(b);
    b.push(bytes.subarray(0, 8));
    setImmediate(() => {
      b.push(bytes.subarray(8));
      b.push(null);
    });
    expect(await reading).toBe('{"a":"héllo 🌍"}');
  });

  it('reads a body that had already ended before it was read', async () => {
    const b = body();
    b.push(Buffer.from('[1]'));
    b.push(null);
    expect(await readAnswerText(b)).toBe('[1]');
    expect(await readAnswerText(Readable.from([]))).toBe('');
  });

  it('maps a transport failure while reading to a 502, as readBodyText does', async () => {
    const b = body();
    const reading = readAnswerText(b);
    b.push(Buffer.from('{"half'));
    setImmediate(() => b.destroy(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })));
    const err = await reading.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 502 });
  });

  it('maps a body destroyed before its end without an error (premature close) to a 502', async () => {
    const b = body();
    const reading = readAnswerText(b);
    setImmediate(() => b.destroy());
    await expect(reading).rejects.toMatchObject({ status: 502 });
  });

  it("gives the caller's abort back as the abort, never as a 502", async () => {
    const b = body();
    const controller = new AbortController();
    const reading = readAnswerText(b, controller.signal);
    const reason = new Error('client left');
    controller.abort(reason);
    b.destroy(new Error('aborted'));
    await expect(reading).rejects.toBe(reason);
  });
});
