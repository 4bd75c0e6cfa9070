import { describe, expect, it } from 'vitest';
import { Cancellation, type CancelSignal } from './cancellation.js';

describe('Cancellation', () => {
  it('runs each listener once, in order, after aborted and reason are set', () => {
    const c = new Cancellation();
    const seen: string[] = [];
    c.addEventListener('abort', () => seen.push(`a:${c.aborted}:${String(c.reason)}`));
    c.addEventListener('abort', () => seen.push('b'));
    const reason = new Error('client disconnected');
    c.abort(reason);
    c.abort(new Error('again'));
    expect(seen).toEqual(['a:true:Error: client disconnected', 'b']);
    expect(c.reason).toBe(reason);
  });

  it('drops a removed listener, runs a listener added twice once, and never runs one added after the abort', () => {
    const c = new Cancellation();
    let removed = 0;
    let twice = 0;
    let late = 0;
    const remove = () => removed++;
    const add = () => twice++;
    c.addEventListener('abort', remove);
    c.addEventListener('abort', add);
    c.addEventListener('abort', add);
    c.removeEventListener('abort', remove);
    c.abort();
    c.addEventListener('abort', () => late++);
    expect([removed, twice, late]).toEqual([0, 1, 0]);
  });

  it('does not run a listener that an earlier listener removed during the abort', () => {
    const c = new Cancellation();
    let second = 0;
    const later = () => second++;
    c.addEventListener('abort', () => c.removeEventListener('abort', later));
    c.addEventListener('abort', later);
    c.abort();
    expect(second).toBe(0);
  });

  it("defaults its reason to AbortController's", () => {
    const c = new Cancellation();
    c.abort();
    expect(c.reason).toBeInstanceOf(DOMException);
    expect((c.reason as DOMException).name).toBe('AbortError');
  });

  it('hands out one real AbortSignal, made on demand, that aborts with it and with the same reason', () => {
    const c = new Cancellation();
    const signal = c.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(c.signal).toBe(signal);
    let heard: unknown;
    signal.addEventListener('abort', () => (heard = signal.reason));
    const reason = new Error('shutdown');
    c.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(heard).toBe(reason);
  });

  it('hands out an already aborted AbortSignal after the abort', () => {
    const c = new Cancellation();
    const reason = new Error('gone');
    c.abort(reason);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe(reason);
  });

  it('is interchangeable with an AbortSignal where a CancelSignal is expected', () => {
    const controller = new AbortController();
    const both: CancelSignal[] = [controller.signal, new Cancellation()];
    const heard: boolean[] = [];
    for (const s of both) s.addEventListener('abort', () => heard.push(s.aborted), { once: true });
    controller.abort();
    (both[1] as Cancellation).abort();
    expect(heard).toEqual([true, true]);
  });
});
