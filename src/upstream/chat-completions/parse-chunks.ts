import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ApiError } from '../../api/errors.js';
import { newId } from '../../api/ids.js';
import type { ModelEvent } from '../../model/events.js';
import { createEventSizeGuard } from '../event-size-guard.js';
import { mapTransportError } from '../map-transport-error.js';
import { createChunkInterpreter, malformed } from './interpret-chunks.js';

export interface ParseChunksOptions {
  /** The turn's abort signal: a read failure after it fired is the caller's abort, not a 502. */
  signal?: AbortSignal;
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
 * When the consumer stops early (generator `return()`), a destroyable body is destroyed so the
 * upstream connection closes and the model server stops generating.
 */
export async function* parseChatCompletionChunks(
  body: AsyncIterable<Uint8Array | string>,
  options: ParseChunksOptions = {},
): AsyncGenerator<ModelEvent[], void, undefined> {
  const interpreter = createChunkInterpreter(options.generateCallId ?? (() => newId('call')));
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  const decoder = new TextDecoder();
  const sizeGuard = createEventSizeGuard(options.maxEventBytes ?? 8 * 1024 * 1024);
  let sawDone = false;
  let ended = false;
  try {
    const iterator = body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array | string>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw mapTransportError(err, options.signal);
      }
      if (next.done) break;
      if (sawDone) continue; // drain what follows [DONE] so the keep-alive connection is reusable
      parser.feed(typeof next.value === 'string' ? next.value : decoder.decode(next.value, { stream: true }));
      sizeGuard.fed(next.value.length, messages.length > 0);
      const events = drain(messages, interpreter);
      if (events.done) {
        sawDone = true;
        // Everything is known at [DONE]: hand the final events over now, before draining.
        const last = [...events.events, ...interpreter.end(true)];
        if (last.length) yield last;
        continue;
      }
      if (events.events.length) yield events.events;
    }
    ended = true;
    if (!sawDone) {
      parser.feed(decoder.decode() + '\n\n'); // flush a last event the server did not terminate
      const events = drain(messages, interpreter);
      const last = [...events.events, ...interpreter.end(events.done)];
      if (last.length) yield last;
    }
  } finally {
    if (!ended) destroyIfPossible(body);
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

function destroyIfPossible(body: unknown): void {
  const destroy = (body as { destroy?: unknown }).destroy;
  if (typeof destroy === 'function') (destroy as () => void).call(body);
}
