import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SSE_DONE, SSE_KEEPALIVE } from '../../engine/sse.js';
import { SseStream } from './sse-stream.js';

const same = (s: string) => s;

async function readAll(stream: SseStream<string>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** A source whose values the test hands out one by one. */
function manualSource() {
  const waiting: ((r: IteratorResult<string, void>) => void)[] = [];
  let pulls = 0;
  let returned = false;
  const source: AsyncIterator<string, void, undefined> = {
    next: () => {
      pulls++;
      return new Promise((resolve) => waiting.push(resolve));
    },
    return: async () => {
      returned = true;
      return { done: true, value: undefined };
    },
  };
  return {
    source,
    pulls: () => pulls,
    returned: () => returned,
    give: (value: string) => waiting.shift()!({ done: false, value }),
    end: () => waiting.shift()!({ done: true, value: undefined }),
    waiting: () => waiting.length,
  };
}

describe('SseStream', () => {
  it('sends the held values, then the source, then [DONE]; empty values send nothing; onEnd runs before [DONE]', async () => {
    async function* source() {
      yield 'b';
      yield '';
      yield 'c';
    }
    const order: string[] = [];
    const stream = new SseStream(source(), same, { held: ['a', ''], keepAliveMs: 0, onEnd: () => order.push('end') });
    stream.on('data', (c: Buffer) => order.push(String(c)));
    await new Promise((r) => stream.on('end', r));
    expect(order.join('|')).toBe(`a|b|c|end|${SSE_DONE}`);
  });

  it('without a source (the run ended while held) sends the held values and [DONE]', async () => {
    expect(await readAll(new SseStream<string>(null, same, { held: ['x', 'y'], keepAliveMs: 0 }))).toBe(`xy${SSE_DONE}`);
  });

  it('sends keep-alive comments while a pull waits, and keeps that pull (nothing lost or reordered)', async () => {
    const src = manualSource();
    const stream = new SseStream(src.source, same, { keepAliveMs: 5 });
    const seen: string[] = [];
    let onChunk: (() => void) | null = null;
    stream.on('data', (c: Buffer) => {
      seen.push(String(c));
      onChunk?.();
    });
    const nextChunk = () => new Promise<void>((r) => (onChunk = r));
    // Two keep-alives while the first pull is still open: the source is not pulled again.
    await nextChunk();
    await nextChunk();
    expect(seen).toEqual([SSE_KEEPALIVE, SSE_KEEPALIVE]);
    expect(src.pulls()).toBe(1);
    const got = nextChunk();
    src.give('one');
    await got;
    expect(seen.at(-1)).toBe('one');
    const ended = new Promise((r) => stream.on('end', r));
    await tick();
    src.end();
    await ended;
    expect(seen.filter((s) => s !== SSE_KEEPALIVE)).toEqual(['one', SSE_DONE]);
  });

  it('pulls only as fast as it is read (backpressure)', async () => {
    let pulls = 0;
    const big = 'x'.repeat(10 * 1024);
    const source: AsyncIterator<string, void, undefined> = { next: async () => (pulls++, { done: false, value: big }) };
    const stream = new SseStream(source, same, { keepAliveMs: 0 });
    stream.pause();
    stream.read(0);
    for (let i = 0; i < 20; i++) await tick();
    // 16 KiB of buffer: two 10 KiB values, then nothing until the reader drains it.
    expect(pulls).toBe(2);
    stream.destroy();
  });

  it('ends the source when destroyed early (a client that left)', async () => {
    const src = manualSource();
    const stream = new SseStream(src.source, same, { keepAliveMs: 0 });
    stream.resume();
    await tick();
    expect(src.waiting()).toBe(1);
    const closed = new Promise((r) => stream.on('close', r));
    stream.destroy();
    await closed;
    expect(src.returned()).toBe(true);
  });

  it('a failing source destroys the stream with its error', async () => {
    async function* source(): AsyncGenerator<string, void, undefined> {
      yield 'a';
      throw new Error('boom');
    }
    await expect(readAll(new SseStream(source(), same, { keepAliveMs: 0 }))).rejects.toThrow('boom');
  });

  it('pulls the source in the async context it was created in, whoever reads', async () => {
    const als = new AsyncLocalStorage<string>();
    const contexts: (string | undefined)[] = [];
    async function* source() {
      contexts.push(als.getStore());
      await tick();
      contexts.push(als.getStore());
      yield 'a';
      contexts.push(als.getStore());
    }
    const stream = als.run('request', () => new SseStream(source(), same, { keepAliveMs: 0 }));
    const text = await als.run('socket', () => readAll(stream));
    expect(text).toBe(`a${SSE_DONE}`);
    expect(contexts).toEqual(['request', 'request', 'request']);
  });
});
