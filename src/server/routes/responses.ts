import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { invalidRequest, notFound } from '../../api/errors.js';
import { ID_PATTERN } from '../../api/ids.js';
import { filterOutputForClient } from '../../engine/include-filter.js';
import { prepareRequest } from '../../engine/prepare.js';
import { ResponseRun, type EngineDeps } from '../../engine/run-response.js';
import { encodeSseEvent, SSE_DONE, withKeepAlive } from '../../engine/sse.js';
import type { StreamEvent } from '../../engine/composer.js';
import { bindToCurrentContext } from '../instrument/bind-iterable.js';
import type { RequestScope } from '../instrument/request-scope.js';

/** Abort the run as soon as the client goes away before the response is finished. */
function abortOnDisconnect(reply: FastifyReply): AbortController {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller;
}

type EventBatches = AsyncGenerator<StreamEvent[], void, undefined>;

/** One string per event batch: a whole upstream read goes to the socket in one write. */
async function* sseBody(held: StreamEvent[][], rest: EventBatches | null): AsyncGenerator<string, void, undefined> {
  const encode = (batch: StreamEvent[]) => {
    let text = '';
    for (const ev of batch) text += encodeSseEvent(ev);
    return text;
  };
  for (const batch of held) if (batch.length) yield encode(batch);
  if (rest) {
    for await (const batch of { [Symbol.asyncIterator]: () => rest }) if (batch.length) yield encode(batch);
  }
  yield SSE_DONE;
}

/**
 * Pull a stream's first batches without sending anything, until the response has really begun
 * (`run.started`) or ended. A run that fails before it began (the upstream refused the first
 * turn: 400, 404, 429, 503…) is then a plain HTTP error, as for a JSON request.
 */
async function openStream(run: ResponseRun): Promise<{ held: StreamEvent[][]; rest: EventBatches | null }> {
  const events = run.events();
  const held: StreamEvent[][] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) return { held, rest: null };
    held.push(next.value);
    if (run.started) return { held, rest: events };
  }
}

function responseNotFound(id: string) {
  return notFound(`Response with id '${id}' not found.`, 'response_id', 'response_not_found');
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id) || !id.startsWith('resp_')) throw responseNotFound(id);
}

export interface ResponsesRouteOptions {
  /** Idle time before an SSE keep-alive comment; 0 = never. */
  keepAliveMs?: number;
}

export function registerResponsesRoutes(app: FastifyInstance, deps: EngineDeps, scope?: RequestScope, options: ResponsesRouteOptions = {}): void {
  const keepAliveMs = options.keepAliveMs ?? 0;
  const prepareDeps = { store: deps.store, newId: deps.newId, enabledBuiltins: deps.tools.enabledKinds, unavailableBuiltins: deps.unavailableBuiltinTools ?? 'omit', tools: deps.tools };

  app.post('/v1/responses', async (request, reply) => {
    // validate → hydrate happen before any byte is sent: their errors are plain HTTP errors.
    const prepared = await prepareRequest(prepareDeps, request.body, request.principal);
    // Lets the instrumented adapter label the model's tool calls with their tool type.
    const observation = scope?.current();
    if (observation) observation.requestTools = prepared.tools;
    const controller = abortOnDisconnect(reply);
    const run = new ResponseRun(deps, prepared, controller.signal);

    if (prepared.req.stream) {
      let opened: Awaited<ReturnType<typeof openStream>>;
      try {
        opened = await openStream(run);
      } catch (err) {
        // The client left before the stream began: the run was aborted on purpose.
        if (controller.signal.aborted) return reply;
        throw err;
      }
      const { held, rest } = opened;
      if (!rest && !run.started && run.result.error) {
        if (controller.signal.aborted) return reply;
        return reply.status(run.result.error.status).send(run.result.error.toBody());
      }
      // Readable.from pulls from the generator only as fast as the socket drains: backpressure
      // reaches the upstream read, and a disconnect destroys the stream, ending the generator.
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(Readable.from(withKeepAlive(bindToCurrentContext(sseBody(held, rest)), keepAliveMs), { objectMode: false, highWaterMark: 16 * 1024 }));
    }

    try {
      for await (const _ev of run.events()) {
        // Non-streaming is the same pipeline run to its end.
      }
    } catch (err) {
      // The client left: the run was aborted on purpose and there is nobody to answer.
      if (controller.signal.aborted) return reply;
      throw err;
    }
    const { response, error } = run.result;
    if (error) return reply.status(error.status).send(error.toBody());
    return filterOutputForClient(response, prepared.req.include ?? []);
  });

  app.get<{ Params: { response_id: string } }>('/v1/responses/:response_id', async (request) => {
    const id = request.params.response_id;
    checkId(id);
    const found = deps.store ? await deps.store.get(id) : null;
    if (!found) throw responseNotFound(id);
    return found;
  });

  app.delete<{ Params: { response_id: string } }>('/v1/responses/:response_id', async (request) => {
    const id = request.params.response_id;
    checkId(id);
    const deleted = deps.store ? await deps.store.delete(id) : false;
    if (!deleted) throw responseNotFound(id);
    return { id, object: 'response', deleted: true };
  });

  app.get<{ Params: { response_id: string }; Querystring: Record<string, string | undefined> }>(
    '/v1/responses/:response_id/input_items',
    async (request) => {
      const id = request.params.response_id;
      checkId(id);
      const q = request.query;
      const limit = q.limit === undefined ? 20 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit must be an integer between 1 and 100.', 'limit', 'invalid_value');
      const order = q.order ?? 'desc';
      if (order !== 'asc' && order !== 'desc') throw invalidRequest("order must be 'asc' or 'desc'.", 'order', 'invalid_value');
      for (const key of ['after', 'before'] as const) {
        const v = q[key];
        if (v !== undefined && !ID_PATTERN.test(v)) throw invalidRequest(`${key} must be an item id.`, key, 'invalid_value');
      }
      const page = deps.store ? await deps.store.listInputItems(id, { limit, order, after: q.after, before: q.before }) : null;
      if (!page) throw responseNotFound(id);
      return {
        object: 'list',
        data: page.data,
        first_id: page.data[0]?.id ?? null,
        last_id: page.data.at(-1)?.id ?? null,
        has_more: page.hasMore,
      };
    },
  );
}
