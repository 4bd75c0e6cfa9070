import { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ApiError } from '../../api/errors.js';
import { newId } from '../../api/ids.js';
import type { CancelSignal } from '../../cancellation/cancellation.js';
import type { ModelEvent } from '../../model/events.js';
import { createEventSizeGuard } from '../event-size-guard.js';
import { mapTransportError } from '../map-transport-error.js';
import { Utf8BodyDecoder } from '../utf8-body-decoder.js';
import { createChunkInterpreter, malformed } from './interpret-chunks.js';
import { readPlainTextChunk } from './plain-text-chunk.js';

export interface ParseChunksOptions {
  /** The turn's abort signal: a read failure after it fired is the caller's abort, not a 502. */
  signal?: CancelSignal;
  /** Id for tool calls the upstream sent without one (tests pass a deterministic one). */
  generateCallId?: () => string;
  /** Largest single SSE event the parser may buffer (default 8 MiB). */
  maxEventBytes?: number;
}

/**
 * Upstream SSE bytes of a streaming chat completion → model events, yielded as one batch per
 * network read (nothing is buffered beyond one read; batching keeps the per-token cost of the
 * async pipeline down when the upstream is fast). See interpret-chunks.ts for the event
 * contract. Throws ApiError 502/504 when the stream breaks, rethrows the caller's abort.
 *
 * When the consumer stops early (`return()`), the body is destroyed so the upstream connection
 * closes and the model server stops generating.
 */
export function parseChatCompletionChunks(
  body: Readable | AsyncIterable<Uint8Array | string>,
  options: ParseChunksOptions = {},
): AsyncIterableIterator<ModelEvent[]> {
  return new ChunkBatches(body instanceof Readable ? body : Readable.from(body, { objectMode: false }), options);
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The iterator behind parseChatCompletionChunks. It reads the body with `read()` and waits for
 * 'readable' only when nothing is buffered, instead of going through the stream's own async
 * iterator (an async generator): on a fast upstream every read is one token, and each async
 * layer between the socket and the client costs promises and microtasks per token.
 */
class ChunkBatches implements AsyncIterableIterator<ModelEvent[]> {
  readonly #body: Readable;
  readonly #signal: CancelSignal | undefined;
  readonly #interpreter: ReturnType<typeof createChunkInterpreter>;
  readonly #messages: EventSourceMessage[] = [];
  readonly #parser = createParser({ onEvent: (message) => this.#messages.push(message) });
  readonly #decoder = new Utf8BodyDecoder();
  readonly #sizeGuard: ReturnType<typeof createEventSizeGuard>;
  #sawDone = false;
  /** The body ended (all of it was read). */
  #ended = false;
  /** Iteration is over: the last batch was handed out, it failed, or the consumer left. */
  #finished = false;
  #error: unknown = null;
  #wake: (() => void) | null = null;
  readonly #onSignal = () => {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  };
  readonly #onError = (err: unknown) => {
    this.#error ??= err;
    this.#onSignal();
  };
  readonly #onClose = () => {
    // Destroyed before its end without an error: what the stream's own iterator reports.
    if (!this.#body.readableEnded) this.#error ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    this.#onSignal();
  };

  constructor(body: Readable, options: ParseChunksOptions) {
    this.#body = body;
    this.#signal = options.signal;
    this.#interpreter = createChunkInterpreter(options.generateCallId ?? (() => newId('call')));
    this.#sizeGuard = createEventSizeGuard(options.maxEventBytes ?? 8 * 1024 * 1024);
    body.on('readable', this.#onSignal);
    body.on('end', this.#onSignal);
    body.on('error', this.#onError);
    body.on('close', this.#onClose);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ModelEvent[], undefined>> {
    if (this.#finished) return DONE;
    try {
      for (;;) {
        const data = this.#body.read() as Buffer | string | null;
        if (data !== null) {
          const batch = this.#feed(data);
          if (batch) return { done: false, value: batch };
          continue;
        }
        if (this.#body.readableEnded) {
          this.#ended = true;
          this.#finish();
          const last = this.#sawDone ? [] : this.#last();
          return last.length ? { done: false, value: last } : DONE;
        }
        if (this.#error !== null) throw mapTransportError(this.#error, this.#signal);
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } catch (err) {
      this.#finish();
      throw err;
    }
  }

  async return(): Promise<IteratorResult<ModelEvent[], undefined>> {
    this.#finish();
    return DONE;
  }

  /** One read's events, or null when it completed none (or came after `[DONE]`). */
  #feed(data: Buffer | string): ModelEvent[] | null {
    if (this.#sawDone) return null; // drain what follows [DONE] so the keep-alive connection is reusable
    this.#parser.feed(typeof data === 'string' ? data : this.#decoder.write(data));
    this.#sizeGuard.fed(data.length, this.#messages.length > 0);
    const events = drain(this.#messages, this.#interpreter);
    if (events.done) {
      this.#sawDone = true;
      // Everything is known at [DONE]: hand the final events over now, before draining.
      const last = [...events.events, ...this.#interpreter.end(true)];
      return last.length ? last : null;
    }
    return events.events.length ? events.events : null;
  }

  /** The body ended without `[DONE]`: a last event the server did not terminate, then the end. */
  #last(): ModelEvent[] {
    this.#parser.feed(this.#decoder.end() + '\n\n');
    const events = drain(this.#messages, this.#interpreter);
    return [...events.events, ...this.#interpreter.end(events.done)];
  }

  /** Stops listening; a body not read to its end is destroyed (the upstream stops generating). */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const body = this.#body;
    body.off('readable', this.#onSignal);
    body.off('end', this.#onSignal);
    body.off('close', this.#onClose);
    // Keep a listener: an error emitted while the body is destroyed must not go unhandled.
    body.off('error', this.#onError);
    body.on('error', () => {});
    if (!this.#ended) body.destroy();
  }
}

function drain(
  messages: EventSourceMessage[],
  interpreter: ReturnType<typeof createChunkInterpreter>,
): { events: ModelEvent[]; done: boolean } {
  const events: ModelEvent[] = [];
  let done = false;
  for (const message of messages) {
    if (done) break;
    const data = message.data.trim();
    if (data === '[DONE]') {
      done = true;
      break;
    }
    if (message.event === 'error') {
      throw new ApiError(502, `The upstream model server failed while streaming: ${data || 'error event'}`, 'upstream_error', null, 'upstream_error');
    }
    if (!data) continue;
    // Nearly every chunk is one text delta: read without JSON.parse (same result, see plain-text-chunk.ts).
    const text = readPlainTextChunk(data);
    if (text !== undefined) {
      const ev = interpreter.plainText(text);
      if (ev) events.push(ev);
      continue;
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw malformed(`a malformed stream chunk: ${data.slice(0, 200)}`);
    }
    for (const ev of interpreter.chunk(chunk)) events.push(ev);
  }
  messages.length = 0;
  return { events, done };
}
