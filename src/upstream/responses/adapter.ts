import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ApiError } from '../../api/errors.js';
import type { ModelEvent } from '../../model/events.js';
import { readBodyText, type UpstreamClient } from '../http-client.js';
import { createEventSizeGuard } from '../event-size-guard.js';
import { mapTransportError } from '../map-transport-error.js';
import { Utf8BodyDecoder } from '../utf8-body-decoder.js';
import { mapUpstreamHttpError } from '../map-upstream-http-error.js';
import type { TurnRequest, UpstreamAdapter } from '../types.js';
import { buildResponsesRequest } from './build-request.js';
import { createResponsesEventInterpreter } from './interpret-events.js';

/**
 * The `responses` upstream transport: one turn = one streaming `POST {base}/responses` against
 * the upstream's native Responses API (vLLM's). The public API is unchanged: the gateway still
 * owns state, tools and the event grammar; only the wire to the model differs.
 */
export interface ResponsesAdapterOptions {
  /** Largest single upstream SSE event (VR_UPSTREAM_MAX_EVENT_BYTES). */
  maxEventBytes?: number;
}

export function createResponsesAdapter(client: UpstreamClient, options: ResponsesAdapterOptions = {}): UpstreamAdapter {
  async function* streamTurn(req: TurnRequest): AsyncGenerator<ModelEvent[], void, undefined> {
    const res = await client.request('POST', '/responses', {
      body: JSON.stringify(buildResponsesRequest(req)),
      headers: { ...req.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      signal: req.signal,
    });
    if (res.status < 200 || res.status >= 300) throw mapUpstreamHttpError(res.status, await readBodyText(res.body, undefined, req.signal));
    if (String(res.headers['content-type'] ?? '').includes('application/json')) {
      const text = await readBodyText(res.body, undefined, req.signal);
      throw new ApiError(502, `The upstream model server did not stream its answer: ${text.slice(0, 500)}`, 'upstream_error', null, 'upstream_error');
    }
    const forcedCall = req.tools.length > 0 && (req.toolChoice === 'required' || typeof req.toolChoice === 'object');
    const interpreter = createResponsesEventInterpreter({ forcedCall });
    const messages: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => messages.push(m) });
    const decoder = new Utf8BodyDecoder();
    const sizeGuard = createEventSizeGuard(options.maxEventBytes ?? 8 * 1024 * 1024);
    let finished = false;
    try {
      yield []; // accepted: the response has begun (see UpstreamAdapter.streamTurn)
      for await (const piece of res.body as AsyncIterable<Buffer>) {
        parser.feed(decoder.write(piece));
        sizeGuard.fed(piece.length, messages.length > 0);
        const batch: ModelEvent[] = [];
        for (const m of messages) {
          if (!m.data || m.data === '[DONE]') continue;
          let parsed: unknown;
          try {
            parsed = JSON.parse(m.data);
          } catch {
            throw new ApiError(502, `The upstream model server sent a malformed stream event: ${m.data.slice(0, 200)}`, 'upstream_error', null, 'upstream_error');
          }
          for (const ev of interpreter.event(parsed)) batch.push(ev);
        }
        messages.length = 0;
        if (batch.length) yield batch;
      }
      finished = true;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw mapTransportError(err, req.signal);
    } finally {
      if (!finished) res.body.destroy();
    }
    const last = interpreter.end();
    if (last.length) yield last;
  }
  return { streamTurn };
}
