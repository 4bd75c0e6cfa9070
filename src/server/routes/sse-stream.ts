/**
 * The body of a `text/event-stream` response: one Readable per stream that pulls values from an
 * async iterator, frames them, and ends with `data: [DONE]`.
 *
 * It replaces `Readable.from` over a stack of async generators (framing, keep-alive race,
 * async-context binding): at thousands of open streams every per-stream generator, promise,
 * closure and timer is resident memory for the whole life of the stream (see bench/RESULTS.md,
 * "10,000 open streams"). What it keeps from that stack, unchanged:
 *
 * - **Backpressure**: the source is pulled only when the socket has drained (fastify pipes this
 *   stream into the response; `_read` is the pipe asking for more), so a slow client slows the
 *   upstream read instead of buffering it.
 * - **Keep-alive**: while a pull has waited `keepAliveMs` for the source (a gateway tool runs, a
 *   model thinks), an SSE comment goes out; the pending pull is kept, so nothing is lost or
 *   reordered. One timer per stream, re-armed (`refresh`) at each pull instead of a new timer
 *   and a `Promise.race` per read.
 * - **The request's async context**: `_read` runs in whatever context the socket's 'drain' came
 *   from; every pull runs in the context where the stream was created (the route handler),
 *   so spans keep their parent request and timings their request scope.
 * - **Disconnect**: destroying the stream (fastify does when the response closes early) ends the
 *   source with `return()`, so its `finally` blocks run (the run is recorded as cancelled).
 */
import { AsyncResource } from 'node:async_hooks';
import { Readable } from 'node:stream';
import { SSE_DONE, SSE_KEEPALIVE } from '../../engine/sse.js';

export interface SseStreamOptions<T> {
  /** Values already pulled from the source (a stream's first batches): sent first, released as sent. */
  held?: T[];
  /** Idle time of a pending pull before a keep-alive comment; 0 = never. */
  keepAliveMs: number;
  /** Called once when the source has ended normally, before `data: [DONE]`. */
  onEnd?: () => void;
}

export class SseStream<T> extends Readable {
  /** null once the source has ended (or the stream was destroyed). */
  private source: AsyncIterator<T, void, undefined> | null;
  private readonly encode: (value: T) => string;
  private readonly held: T[];
  private readonly keepAliveMs: number;
  private onEnd: (() => void) | undefined;
  /**
   * The creator's async context. An AsyncResource rather than `AsyncLocalStorage.snapshot()`:
   * on Node 20 a snapshot is a bound function with two deprecated accessors, ~2.7 KiB each.
   */
  private readonly scope: AsyncResource;
  /** A `source.next()` is in flight. */
  private pending = false;
  /** `[DONE]` and the end have been pushed. */
  private ended = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(source: AsyncIterator<T, void, undefined> | null, encode: (value: T) => string, options: SseStreamOptions<T>) {
    // Strings are pushed as UTF-8 bytes; 16 KiB is the most one stream buffers ahead of its socket.
    super({ highWaterMark: 16 * 1024 });
    this.source = source;
    this.encode = encode;
    this.held = options.held ?? [];
    this.keepAliveMs = options.keepAliveMs > 0 ? options.keepAliveMs : 0;
    this.onEnd = options.onEnd;
    this.scope = new AsyncResource('SseStream');
  }

  override _read(): void {
    try {
      while (this.held.length) {
        const text = this.encode(this.held.shift()!);
        if (text && !this.push(text)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    if (this.pending) {
      // A keep-alive comment was read: the same pull goes on waiting, for another interval.
      this.armKeepAlive();
      return;
    }
    if (this.source) this.pull();
    else if (!this.ended) this.finish();
  }

  private pull(): void {
    const source = this.source!;
    this.pending = true;
    this.armKeepAlive();
    this.scope.runInAsyncScope(() => source.next()).then(
      (next) => this.onNext(next),
      (err: unknown) => {
        this.pending = false;
        this.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  private onNext(next: IteratorResult<T, void>): void {
    this.pending = false;
    if (this.destroyed) return;
    if (next.done) {
      this.source = null;
      this.finish();
      return;
    }
    let text: string;
    try {
      text = this.encode(next.value);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    // An empty batch sends nothing; the reader is still waiting, so pull again at once.
    if (!text) this.pull();
    else this.push(text);
  }

  private finish(): void {
    this.ended = true;
    this.disarm();
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
    this.push(SSE_DONE);
    this.push(null);
  }

  private armKeepAlive(): void {
    if (!this.keepAliveMs) return;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.onIdle(), this.keepAliveMs);
  }

  private onIdle(): void {
    // The timer is never cleared between pulls (re-arming it is cheaper): a firing while no pull
    // waits on the source is stale.
    if (this.pending && !this.destroyed) this.push(SSE_KEEPALIVE);
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.disarm();
    this.held.length = 0;
    const source = this.source;
    this.source = null;
    if (!source?.return) {
      cb(err);
      return;
    }
    // The consumer left early (client disconnect): end the source too. An async generator that
    // is busy in a `next()` runs this return after that step.
    this.scope.runInAsyncScope(() => source.return!()).then(
      () => cb(err),
      (e: unknown) => cb((e as Error | null) ?? err),
    );
  }
}
