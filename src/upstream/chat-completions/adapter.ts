import { ApiError } from '../../api/errors.js';
import type { ModelEvent } from '../../model/events.js';
import { readBodyText, type UpstreamClient } from '../http-client.js';
import { mapUpstreamHttpError } from '../map-upstream-http-error.js';
import type { TurnRequest, UpstreamAdapter } from '../types.js';
import { buildChatRequest } from './build-request.js';
import type { ConvertOptions } from './convert-to-chat-messages.js';
import { parseChatCompletionChunks } from './parse-chunks.js';

export interface ChatCompletionsAdapterOptions extends ConvertOptions {
  /** Id for tool calls the upstream sent without one (default: a random `call_…`). */
  generateCallId?: () => string;
  /** Largest single upstream SSE event (VR_UPSTREAM_MAX_EVENT_BYTES). */
  maxEventBytes?: number;
}

/**
 * The `chat_completions` upstream transport: one turn = one streaming
 * `POST {base}/chat/completions`. Aborting `req.signal` aborts the upstream request at once
 * (the upstream sees its connection close and stops generating); so does the consumer
 * abandoning the iteration.
 */
export function createChatCompletionsAdapter(client: UpstreamClient, options: ChatCompletionsAdapterOptions = {}): UpstreamAdapter {
  return { streamTurn: (req) => new ChatTurn(client, options, req) };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One turn's batches: the first `next()` sends the request and yields the empty acceptance batch
 * (see UpstreamAdapter.streamTurn); every later one is the chunk parser's own `next()`. An
 * iterator rather than an async generator delegating with `yield*`, which would add a promise
 * hop per upstream read (per token on a fast upstream).
 */
class ChatTurn implements AsyncIterableIterator<ModelEvent[]> {
  #batches: AsyncIterableIterator<ModelEvent[]> | null = null;
  #over = false;

  constructor(
    private readonly client: UpstreamClient,
    private readonly options: ChatCompletionsAdapterOptions,
    private readonly req: TurnRequest,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelEvent[], undefined>> {
    if (this.#batches) return this.#batches.next();
    if (this.#over) return Promise.resolve(DONE);
    this.#over = true; // until the request is accepted; a failure ends the turn
    return this.#start();
  }

  async return(): Promise<IteratorResult<ModelEvent[], undefined>> {
    this.#over = true;
    const batches = this.#batches;
    this.#batches = null;
    // Also when the consumer stopped at the acceptance batch: the body is destroyed, releasing the connection.
    if (batches?.return) await batches.return();
    return DONE;
  }

  async #start(): Promise<IteratorResult<ModelEvent[], undefined>> {
    const { client, options, req } = this;
    const body = buildChatRequest(req, options);
    const res = await client.request('POST', '/chat/completions', {
      body: JSON.stringify(body),
      headers: { ...req.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      signal: req.signal,
    });
    if (res.status < 200 || res.status >= 300) {
      throw mapUpstreamHttpError(res.status, await readBodyText(res.body, undefined, req.signal));
    }
    const contentType = String(res.headers['content-type'] ?? '');
    if (contentType.includes('application/json')) {
      // A server that ignored `stream: true` (or answered 200 with an error object).
      const text = await readBodyText(res.body, undefined, req.signal);
      throw new ApiError(502, `The upstream model server did not stream its answer: ${text.slice(0, 500)}`, 'upstream_error', null, 'upstream_error');
    }
    this.#batches = parseChatCompletionChunks(res.body, { signal: req.signal, generateCallId: options.generateCallId, maxEventBytes: options.maxEventBytes });
    this.#over = false;
    return { done: false, value: [] }; // accepted: the response has begun
  }
}
