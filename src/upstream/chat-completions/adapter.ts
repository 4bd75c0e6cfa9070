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
 * abandoning the generator.
 */
export function createChatCompletionsAdapter(client: UpstreamClient, options: ChatCompletionsAdapterOptions = {}): UpstreamAdapter {
  async function* streamTurn(req: TurnRequest): AsyncGenerator<ModelEvent[], void, undefined> {
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
    let reading = false;
    try {
      yield []; // accepted: the response has begun (see UpstreamAdapter.streamTurn)
      reading = true;
    } finally {
      // The consumer stopped at the acceptance batch: release the connection.
      if (!reading) res.body.destroy();
    }
    yield* parseChatCompletionChunks(res.body, { signal: req.signal, generateCallId: options.generateCallId, maxEventBytes: options.maxEventBytes });
  }
  return { streamTurn };
}
