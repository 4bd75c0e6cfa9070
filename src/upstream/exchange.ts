/**
 * One request to the upstream: the undici dispatch handler, the response body stream and the
 * request's deadlines and byte cap, in one object.
 *
 * Why not `pool.request()` + a guarding Transform: a streaming answer lives as long as the
 * model generates (minutes), and a gateway holds thousands at once. `pool.request` gives a
 * handler, its own body stream and an abort listener; piping that through a Transform adds a
 * second stream, `pipeline` state with its own AbortController, and four end-of-stream watchers
 * with their closures: several KiB per open stream (bench/RESULTS.md, "10,000 open streams").
 * Here one Readable is the body and receives undici's callbacks directly (Dispatcher's handler
 * interface: onConnect / onHeaders / onData / onComplete / onError).
 *
 * Behaviour is that of the former pipeline: the body is the upstream's bytes unchanged,
 * backpressure pauses the socket (`onData` returns false, `_read` resumes it), a broken
 * deadline or the byte cap aborts the request and fails the body with an ApiError 504/502, the
 * caller's abort fails it with the caller's reason, and destroying the body early aborts the
 * request (the upstream sees its connection close).
 */
import { Readable } from 'node:stream';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import { ApiError, upstreamTimeout } from '../api/errors.js';
import type { CancelSignal } from '../cancellation/cancellation.js';
import { mapTransportError } from './map-transport-error.js';

/** The deadlines and byte cap of one request (all required, already clamped to timer range). */
export interface ExchangeLimits {
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  totalTimeoutMs: number;
  maxOutputBytes: number;
}

export interface ExchangeHead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** The upstream sent more than one answer may hold. */
export function upstreamOutputTooLarge(limit: number): ApiError {
  return new ApiError(502, `The upstream model server sent more than ${limit} bytes in one answer; the answer was abandoned.`, 'upstream_error', null, 'upstream_output_too_large');
}

function noop(): void {}

/** Lower-cased header names by their raw spelling: an upstream sends the same few names every time. */
const lowerNames = new Map<string, string>();
const MAX_CACHED_NAMES = 256;

/**
 * A header name as a lower-case string. Names are HTTP tokens (ASCII: llhttp rejects anything
 * else), so latin1 decodes them as UTF-8 would, without the validation; the cache saves the
 * lower-casing copy.
 */
function headerName(raw: Buffer | string | string[]): string {
  const spelled = Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw);
  const cached = lowerNames.get(spelled);
  if (cached !== undefined) return cached;
  const lower = spelled.toLowerCase();
  if (lowerNames.size < MAX_CACHED_NAMES) lowerNames.set(spelled, lower);
  return lower;
}

/** undici's raw header list (name, value, name, value…) as an object, as `pool.request` gives it. */
export function parseRawHeaders(raw: (Buffer | string | string[])[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = headerName(raw[i]!);
    const rawValue = raw[i + 1]!;
    // Values may carry UTF-8 (a filename): decoded as such.
    const value = Array.isArray(rawValue) ? rawValue.map(String) : rawValue.toString();
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else out[name] = (Array.isArray(seen) ? seen : [seen]).concat(value);
  }
  // As undici does (nodejs/node#46528): a UTF-8 filename is passed on as its bytes.
  const disposition = out['content-disposition'];
  if ('content-length' in out && typeof disposition === 'string') out['content-disposition'] = Buffer.from(disposition).toString('latin1');
  return out;
}

export class UpstreamExchange extends Readable implements Dispatcher.DispatchHandler {
  private readonly limits: ExchangeLimits;
  /** The caller's cancellation: an AbortSignal, or the request's `Cancellation` (cheaper to listen to). */
  private readonly signal: CancelSignal | undefined;
  private readonly requestBody: unknown;
  /** Until the response head arrives (or the request fails). */
  private settle: { resolve: (head: ExchangeHead) => void; reject: (err: unknown) => void } | null;
  private abortUndici: ((reason?: Error) => void) | null = null;
  private resumeUndici: (() => void) | null = null;
  /** Why we ended the request ourselves (a deadline, the byte cap, the caller's abort). */
  private reason: Error | null = null;
  /** The exchange is over: completed, failed or abandoned. */
  private over = false;
  private bytes = 0;
  /**
   * One timer for all three deadlines (two timers per request, and one re-armed per chunk, cost
   * more than the clock reads): it fires no later than the earliest deadline that can break, and
   * when it fires, `checkDeadlines` either ends the request or re-arms it for the next one.
   */
  private timer: NodeJS.Timeout;
  /** `performance.now()` when the request was sent, and when its last body chunk arrived. */
  private readonly startedAt: number;
  private lastDataAt = 0;
  /** A body chunk has arrived: the idle deadline applies instead of the first-byte one. */
  private idling = false;
  /**
   * Body chunks that arrived before anyone read the body (null once it is read as a stream).
   * A JSON answer usually arrives with its head in one socket read, so its whole body is here
   * before the caller has even seen the head: `wholeText` then takes it without the Readable's
   * buffering, events and ticks, and a stream reader gets the chunks pushed on its first read.
   */
  private early: Buffer[] | null = [];
  private earlyBytes = 0;
  /** undici reported the end while the chunks were still held in `early`. */
  private completed = false;
  /** A `wholeText` caller waiting for the end. */
  private collector: { resolve: (text: string) => void; reject: (err: unknown) => void } | null = null;
  private readonly onCallerAbort = (): void => this.end_(this.signal!.reason instanceof Error ? this.signal!.reason : new undiciErrors.RequestAbortedError());
  private readonly onTimer = (): void => this.checkDeadlines();

  constructor(limits: ExchangeLimits, signal: CancelSignal | undefined, requestBody: unknown, settle: UpstreamExchange['settle']) {
    // undici's own body streams buffer up to 64 KiB before pausing the socket.
    super({ highWaterMark: 64 * 1024 });
    this.limits = limits;
    this.signal = signal;
    this.requestBody = requestBody;
    this.settle = settle;
    this.startedAt = performance.now();
    // The idle deadline is in the minimum too: a body that begins at once then needs no re-arming
    // (a JSON answer arms one timer in all), and a stall is still caught on time.
    this.timer = setTimeout(this.onTimer, Math.min(limits.firstByteTimeoutMs, limits.idleTimeoutMs, limits.totalTimeoutMs));
    if (signal?.aborted) this.onCallerAbort();
    else signal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  /** Ends the request for `reason` (first reason wins); undici then reports it through onError. */
  private end_(reason: Error): void {
    if (this.over) return;
    this.reason ??= reason;
    // Not connected yet: onConnect aborts as soon as undici hands over the abort function.
    this.abortUndici?.(this.reason);
  }

  /**
   * The timer fired: end the request for the deadline that has passed (the total one first, as
   * when each deadline had its own timer), or re-arm for the earliest one still ahead. Timers
   * count whole milliseconds from the loop's cached clock, so one may fire a fraction of a
   * millisecond before `performance.now()` agrees: the re-armed timer then covers the rest.
   */
  private checkDeadlines(): void {
    if (this.over) return;
    const { firstByteTimeoutMs, idleTimeoutMs, totalTimeoutMs } = this.limits;
    const now = performance.now();
    const totalAt = this.startedAt + totalTimeoutMs;
    if (now >= totalAt) {
      this.end_(upstreamTimeout(`the answer took longer than ${totalTimeoutMs / 1000}s in total`));
      return;
    }
    const phaseAt = this.idling ? this.lastDataAt + idleTimeoutMs : this.startedAt + firstByteTimeoutMs;
    if (now >= phaseAt) {
      this.end_(upstreamTimeout(this.idling ? `the answer stalled for ${idleTimeoutMs / 1000}s` : `no answer within ${firstByteTimeoutMs / 1000}s`));
      return;
    }
    // Before the first chunk, also wake at the idle period's length so that a body beginning
    // later is never watched by a timer set beyond its idle deadline.
    const idleBound = this.idling ? Infinity : now + idleTimeoutMs;
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(Math.min(totalAt, phaseAt, idleBound) - now)));
  }

  private stopWatching(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onCallerAbort);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortUndici = abort;
    if (this.reason) abort(this.reason);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational answers are not the response.
    if (statusCode < 200) return true;
    this.resumeUndici = resume;
    const settle = this.settle;
    this.settle = null;
    settle?.resolve({ status: statusCode, headers: parseRawHeaders(rawHeaders), body: this });
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxOutputBytes) {
      this.end_(upstreamOutputTooLarge(this.limits.maxOutputBytes));
      return false;
    }
    // The armed timer fires within an idle period of now (see checkDeadlines), which then
    // measures the silence from here.
    this.lastDataAt = performance.now();
    this.idling = true;
    const early = this.early;
    if (early === null) return this.push(chunk);
    early.push(chunk);
    this.earlyBytes += chunk.length;
    // Held chunks pause the socket where the Readable's buffer would have (its high-water mark);
    // a whole-body reader takes everything (the byte cap bounds it).
    return this.collector !== null || this.earlyBytes < this.readableHighWaterMark;
  }

  onComplete(): void {
    this.over = true;
    this.stopWatching();
    if (this.early === null) {
      this.push(null);
      return;
    }
    this.completed = true;
    const collector = this.collector;
    this.collector = null;
    collector?.resolve(this.earlyText());
  }

  private earlyText(): string {
    const early = this.early!;
    return early.length === 1 ? early[0]!.toString('utf8') : Buffer.concat(early).toString('utf8');
  }

  /**
   * The whole body as UTF-8 text, read straight from undici's callbacks. Failures are those a
   * stream reader would see, mapped by mapTransportError (the caller's abort stays the abort).
   * Null when the body can no longer be read this way (already read as a stream, or destroyed):
   * the caller then reads it as a stream.
   */
  wholeText(): Promise<string> | null {
    if (this.early === null || this.destroyed || this.collector !== null) return null;
    if (this.completed) return Promise.resolve(this.earlyText());
    return new Promise((resolve, reject) => {
      this.collector = { resolve, reject };
      // Paused at the high-water mark before anyone asked: everything is wanted now.
      this.resumeUndici?.();
    });
  }

  onError(err: Error): void {
    const wasOver = this.over;
    this.over = true;
    this.stopWatching();
    const settle = this.settle;
    this.settle = null;
    if (settle) {
      // No response head yet: the request itself fails. Our own deadline is reported as such
      // unless the caller aborted (then the caller's reason, via mapTransportError).
      const reason = this.reason;
      settle.reject(reason instanceof ApiError && !this.signal?.aborted ? reason : mapTransportError(err, this.signal));
    } else if (this.collector !== null) {
      const collector = this.collector;
      this.collector = null;
      // What a stream reader would have been failed with, mapped as readAnswerText maps it.
      collector.reject(mapTransportError(this.reason ?? err, this.signal));
    } else if (!wasOver && !this.destroyed) {
      // After the head: the body fails with the reason (nobody may be reading it yet).
      const reason = this.reason ?? err;
      this.on('error', noop);
      queueMicrotask(() => this.destroy(reason));
    }
    const body = this.requestBody;
    if (body instanceof Readable && !body.destroyed) {
      body.on('error', noop);
      body.destroy(err);
    }
  }

  override _read(): void {
    const early = this.early;
    if (early !== null) {
      // The first read as a stream: what arrived meanwhile goes first, then the end if it came.
      this.early = null;
      for (const chunk of early) this.push(chunk);
      if (this.completed) {
        this.push(null);
        return;
      }
    }
    this.resumeUndici?.();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.stopWatching();
    if (!this.over) {
      // The reader left before the end: abort the request so the upstream stops generating.
      this.over = true;
      this.abortUndici?.(err ?? new undiciErrors.RequestAbortedError());
    }
    cb(err);
  }
}
