import type { Readable } from 'node:stream';
import type { CancelSignal } from '../../cancellation/cancellation.js';
import type { ModelEvent } from '../../model/events.js';
import { readBodyText, type RequestDeadlines, type UpstreamClient } from '../http-client.js';
import { mapUpstreamHttpError } from '../map-upstream-http-error.js';
import type { TurnRequest, UpstreamAdapter } from '../types.js';
import { buildChatRequest } from './build-request.js';
import type { ConvertOptions } from './convert-to-chat-messages.js';
import { completionEvents } from './parse-completion.js';
import { readAnswerText, wholeAnswerText } from './read-answer.js';
import { parseChatCompletionChunks } from './parse-chunks.js';

export interface ChatCompletionsAdapterOptions extends ConvertOptions {
  /** Id for tool calls the upstream sent without one (default: a random `call_…`). */
  generateCallId?: () => string;
  /** Largest single upstream SSE event (VR_UPSTREAM_MAX_EVENT_BYTES). */
  maxEventBytes?: number;
}

/**
 * The `chat_completions` upstream transport: one turn = one `POST {base}/chat/completions`,
 * streamed when someone watches the turn live (`req.stream`), otherwise one JSON answer. The
 * answer is read by its content type, whatever was asked: an event stream by the chunk parser,
 * a JSON completion by parse-completion.ts (some proxies, and scripted test upstreams, stream
 * anyway). Aborting `req.signal` aborts the upstream request at once (the upstream sees its
 * connection close and stops generating); so does the consumer abandoning the iteration.
 */
export function createChatCompletionsAdapter(client: UpstreamClient, options: ChatCompletionsAdapterOptions = {}): UpstreamAdapter {
  return { streamTurn: (req) => new ChatTurn(client, options, req) };
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A JSON answer sends its first byte only once the whole answer is generated, so the first-byte
 * deadline (meant for queueing and prefill) would cut long generations short: only the total
 * deadline applies (http-client.ts clamps the first-byte deadline to it).
 */
const JSON_ANSWER_DEADLINES: RequestDeadlines = { firstByteTimeoutMs: Number.POSITIVE_INFINITY };

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
      headers: { ...req.headers, 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json' },
      signal: req.signal,
      ...(body.stream ? {} : { deadlines: JSON_ANSWER_DEADLINES }),
    });
    if (res.status < 200 || res.status >= 300) {
      throw mapUpstreamHttpError(res.status, await readBodyText(res.body, undefined, req.signal));
    }
    const contentType = String(res.headers['content-type'] ?? '');
    this.#batches = contentType.includes('application/json')
      ? new CompletionBatch(res.body, req.signal, options.generateCallId)
      : parseChatCompletionChunks(res.body, { signal: req.signal, generateCallId: options.generateCallId, maxEventBytes: options.maxEventBytes });
    this.#over = false;
    return { done: false, value: [] }; // accepted: the response has begun
  }
}

/**
 * A JSON answer as the turn's one batch of events (after the acceptance batch, as a stream's
 * batches would follow it). Left before it was read, the body is destroyed, which releases the
 * upstream request as leaving a stream does.
 */
class CompletionBatch implements AsyncIterableIterator<ModelEvent[]> {
  #read = false;

  constructor(
    private readonly body: Readable,
    private readonly signal: CancelSignal,
    private readonly generateCallId: (() => string) | undefined,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelEvent[], undefined>> {
    if (this.#read) return Promise.resolve(DONE);
    this.#read = true;
    // One promise from the body's text to the batch (no async layers: each would add promise
    // hops to every JSON answer). A body taken whole is over once its text is there; any other
    // body is released as soon as it has been read or has failed.
    const whole = wholeAnswerText(this.body);
    const release = whole ? null : () => {
      if (!this.body.readableEnded) this.body.destroy();
    };
    return (whole ?? readAnswerText(this.body, this.signal)).then(
      (text) => {
        release?.();
        return { done: false, value: completionEvents(text, this.generateCallId) };
      },
      (err: unknown) => {
        release?.();
        throw err;
      },
    );
  }

  async return(): Promise<IteratorResult<ModelEvent[], undefined>> {
    this.#read = true;
    if (!this.body.readableEnded) this.body.destroy();
    return DONE;
  }
}
