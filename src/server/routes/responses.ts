import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidRequest, notFound } from '../../api/errors.js';
import type { Principal } from '../../api/principal.js';
import { ID_PATTERN } from '../../api/ids.js';
import { Cancellation, type CancelSignal } from '../../cancellation/cancellation.js';
import { filterOutputForClient } from '../../engine/include-filter.js';
import { prepareRequest, type PrepareDeps } from '../../engine/prepare.js';
import { ResponseRun, type EngineDeps } from '../../engine/run-response.js';
import { encodeSseEvent } from '../../engine/sse.js';
import type { StreamEvent } from '../../engine/composer.js';
import { startBackgroundRun } from '../../runs/background.js';
import { followRun, storedEventToSse } from '../../runs/follow.js';
import type { RunRegistry } from '../../runs/registry.js';
import { LIVE_RUN_STATUSES, type RunRecord, type RunStatus, type StoredEvent, type StoreLogger } from '../../store/types.js';
import { SseStream } from './sse-stream.js';

/**
 * Abort the run as soon as the client goes away before the response is finished. A Cancellation,
 * not an AbortController: nearly every request finishes, and the run's own code listens to it
 * without an EventTarget (cancellation.ts); anything that needs an AbortSignal gets one from it.
 */
function abortOnDisconnect(reply: FastifyReply): Cancellation {
  const cancellation = new Cancellation();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) cancellation.abort(new Error('client disconnected'));
  });
  return cancellation;
}

type EventBatches = AsyncGenerator<StreamEvent[], void, undefined>;

/** One string per event batch: a whole upstream read goes to the socket in one write. */
function encodeBatch(batch: StreamEvent[]): string {
  let text = '';
  for (const ev of batch) text += encodeSseEvent(ev);
  return text;
}

/** One string per batch of a background run's stored events. */
function encodeStoredBatch(batch: StoredEvent[]): string {
  let text = '';
  for (const ev of batch) text += storedEventToSse(ev.json);
  return text;
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

/** A background run's stored events after `startingAfter`, live until its terminal event. */
function followSse(runs: RunRegistry, id: string, startingAfter: number, signal: CancelSignal, keepAliveMs: number): SseStream<StoredEvent[]> {
  return new SseStream(followRun(runs, id, startingAfter, signal), encodeStoredBatch, { keepAliveMs });
}

/**
 * The stream is returned to fastify, which pipes it into the response and pulls only as fast as
 * the socket drains: backpressure reaches the upstream read (or the event-log read), and a
 * disconnect destroys the stream, ending its source (see sse-stream.ts). Returned rather than
 * `reply.send(stream)` + `return reply`: a returned reply is a thenable fastify waits on until
 * the response ends, one more pending promise and end-of-stream watcher per open stream.
 */
function sseResponse<T>(reply: FastifyReply, body: SseStream<T>): SseStream<T> {
  void reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
  return body;
}

/**
 * `truncation: "auto"` left items out: the response object has no field for it (OpenAI reports
 * nothing, and a field outside the schema would break strict clients), so HTTP clients learn it
 * from this header. A stream sends its headers before later tool-loop turns, so for a stream it
 * counts what the first turn left out; a JSON response counts every turn.
 */
export const TRUNCATED_ITEMS_HEADER = 'x-vllm-responses-truncated-items';

function reportTruncation(reply: FastifyReply, run: ResponseRun): void {
  if (run.truncatedItems > 0) void reply.header(TRUNCATED_ITEMS_HEADER, String(run.truncatedItems));
}

/** `starting_after`: a sequence number (-1 or more); absent = from the first event. */
function parseStartingAfter(raw: string | undefined): number {
  if (raw === undefined || raw === '') return -1;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < -1) throw invalidRequest('starting_after must be an integer sequence number.', 'starting_after', 'invalid_value');
  return n;
}

function isLive(run: RunRecord): boolean {
  return LIVE_RUN_STATUSES.has(run.status as RunStatus);
}

function responseNotFound(id: string) {
  return notFound(`Response with id '${id}' not found.`, 'response_id', 'response_not_found');
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id) || !id.startsWith('resp_')) throw responseNotFound(id);
}

export interface ResponsesRouteDeps {
  /** The engine as this request sees it (bound to its observation: timings for its log line). */
  engine: (request: FastifyRequest) => EngineDeps;
  /** Background runs; null without a store. */
  runs: RunRegistry | null;
  logger: StoreLogger;
  /** Idle time before an SSE keep-alive comment; 0 = never. */
  keepAliveMs?: number;
}

/** How a create body is prepared, the same for HTTP and WebSocket mode. */
export function responsePrepareDeps(deps: EngineDeps): PrepareDeps {
  return {
    store: deps.store,
    newId: deps.newId,
    enabledBuiltins: deps.tools.enabledKinds,
    unavailableBuiltins: deps.unavailableBuiltinTools ?? 'omit',
    sealedBlobs: deps.sealedBlobs,
    tools: deps.tools,
    ...(deps.limits ? { limits: deps.limits } : {}),
  };
}

export function registerResponsesRoutes(app: FastifyInstance, routeDeps: ResponsesRouteDeps): void {
  const { engine: engineOf, runs, logger } = routeDeps;
  const keepAliveMs = routeDeps.keepAliveMs ?? 0;

  /** The caller's run (another key's is as absent as a missing one). */
  const ownRun = async (id: string, principal: Principal): Promise<RunRecord | null> => {
    const run = runs ? await runs.runs.get(id) : null;
    return run && (run.owner === null || run.owner === principal) ? run : null;
  };

  app.post('/v1/responses', async (request, reply) => {
    // Armed before prepare: a client that leaves during tool discovery (remote MCP listings)
    // cancels it instead of leaving it to run to its timeout.
    const cancellation = abortOnDisconnect(reply);
    const deps = engineOf(request);
    // validate → hydrate happen before any byte is sent: their errors are plain HTTP errors.
    const prepared = await prepareRequest(responsePrepareDeps(deps), request.body, request.principal, cancellation);
    // Lets the instrumented adapter label the model's tool calls with their tool type.
    const observation = request.observation;
    if (observation) observation.requestTools = prepared.tools;

    if (prepared.req.background) {
      if (!runs) throw invalidRequest('Background mode needs a response store, and this gateway runs without one.', 'background', 'invalid_value');
      const queued = await startBackgroundRun(runs, deps, prepared, request.principal, logger);
      if (!prepared.req.stream) return queued;
      // This request only follows the run: a disconnect stops the following, not the run.
      return sseResponse(reply, followSse(runs, queued.id, -1, abortOnDisconnect(reply), keepAliveMs));
    }

    const run = new ResponseRun(deps, prepared, cancellation);

    if (prepared.req.stream) {
      let opened: Awaited<ReturnType<typeof openStream>>;
      try {
        opened = await openStream(run);
      } catch (err) {
        // The client left before the stream began: the run was aborted on purpose.
        if (cancellation.aborted) return reply;
        throw err;
      }
      const { held, rest } = opened;
      if (!rest && !run.started && run.result.error) {
        if (cancellation.aborted) return reply;
        return reply.status(run.result.error.status).send(run.result.error.toBody());
      }
      reportTruncation(reply, run);
      // The request line says how the stream ended (its HTTP status is 200 whatever happened).
      const markOutcome = () => {
        if (observation) observation.outcome = { responseId: run.result.response.id, status: run.result.response.status, errorCode: run.result.error?.code ?? null };
      };
      return sseResponse(reply, new SseStream(rest, encodeBatch, { held, keepAliveMs, onEnd: markOutcome }));
    }

    for await (const _ev of run.events()) {
      // Non-streaming is the same pipeline run to its end.
    }
    // The client left: the run was cancelled (and stored so); there is nobody to answer.
    if (cancellation.aborted) return reply;
    const { response, error, responseJson } = run.result;
    reportTruncation(reply, run);
    if (error) return reply.status(error.status).send(error.toBody());
    // Stored: the body is the stored bytes (serialising the same object again would cost as much).
    if (responseJson !== undefined) return reply.type('application/json; charset=utf-8').send(responseJson);
    return filterOutputForClient(response, prepared.req.include ?? []);
  });

  app.get<{ Params: { response_id: string }; Querystring: Record<string, string | undefined> }>('/v1/responses/:response_id', async (request, reply) => {
    const id = request.params.response_id;
    checkId(id);
    const deps = engineOf(request);
    const stream = request.query.stream;
    if (stream !== undefined && stream !== 'true' && stream !== 'false') throw invalidRequest("stream must be 'true' or 'false'.", 'stream', 'invalid_value');
    if (stream === 'true') {
      const startingAfter = parseStartingAfter(request.query.starting_after);
      const run = await ownRun(id, request.principal);
      if (!run || !runs) {
        if (deps.store && (await deps.store.get(id, request.principal))) {
          throw invalidRequest('Only responses created with background=true can be streamed from the store.', 'stream', 'invalid_value');
        }
        throw responseNotFound(id);
      }
      return sseResponse(reply, followSse(runs, id, startingAfter, abortOnDisconnect(reply), keepAliveMs));
    }
    const found = deps.store ? await deps.store.get(id, request.principal) : null;
    if (found) return found;
    // Not stored yet: a background run still going (or one whose final write failed).
    const run = await ownRun(id, request.principal);
    if (!run) throw responseNotFound(id);
    return run.response;
  });

  app.post<{ Params: { response_id: string } }>('/v1/responses/:response_id/cancel', async (request) => {
    const id = request.params.response_id;
    checkId(id);
    const deps = engineOf(request);
    const run = await ownRun(id, request.principal);
    if (!run || !runs) {
      if (deps.store && (await deps.store.get(id, request.principal))) {
        throw invalidRequest('Only responses created with background=true can be cancelled.', 'response_id', 'invalid_value');
      }
      throw responseNotFound(id);
    }
    // Idempotent: a finished run (cancelled or not) is answered as it is.
    if (!isLive(run)) return run.response;
    await runs.runs.requestCancel(id);
    runs.abortLocal(id);
    return waitForEnd(runs, id, run);
  });

  app.delete<{ Params: { response_id: string } }>('/v1/responses/:response_id', async (request) => {
    const id = request.params.response_id;
    checkId(id);
    const deps = engineOf(request);
    // A background run still going has no stored response yet: stop it first (as a cancel
    // would), so the delete removes the response it records instead of racing it.
    const run = await ownRun(id, request.principal);
    if (run && runs && isLive(run)) {
      await runs.runs.requestCancel(id);
      runs.abortLocal(id);
      await waitForEnd(runs, id, run);
    }
    const deleted = deps.store ? await deps.store.delete(id, request.principal) : false;
    if (!deleted) throw responseNotFound(id);
    // Its background run record and event log go with it.
    await runs?.runs.delete(id);
    return { id, object: 'response', deleted: true };
  });

  app.get<{ Params: { response_id: string }; Querystring: Record<string, string | undefined> }>(
    '/v1/responses/:response_id/input_items',
    async (request) => {
      const id = request.params.response_id;
      checkId(id);
      const q = request.query;
      const deps = engineOf(request);
      const limit = q.limit === undefined ? 20 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit must be an integer between 1 and 100.', 'limit', 'invalid_value');
      const order = q.order ?? 'desc';
      if (order !== 'asc' && order !== 'desc') throw invalidRequest("order must be 'asc' or 'desc'.", 'order', 'invalid_value');
      for (const key of ['after', 'before'] as const) {
        const v = q[key];
        if (v !== undefined && !ID_PATTERN.test(v)) throw invalidRequest(`${key} must be an item id.`, key, 'invalid_value');
      }
      const page = deps.store ? await deps.store.listInputItems(id, request.principal, { limit, order, after: q.after, before: q.before }) : null;
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

/**
 * After a cancel request: wait (bounded) until the owner has stopped the run and recorded it.
 * An owner that died meanwhile is settled by the sweep as soon as its lease has expired.
 */
async function waitForEnd(runs: RunRegistry, id: string, initial: RunRecord): Promise<RunRecord['response']> {
  const deadline = Date.now() + runs.settings.cancelWaitMs;
  let last = initial;
  for (;;) {
    const wake = runs.nextWake(id);
    try {
      const now = await runs.runs.get(id);
      if (!now) return last.response;
      last = now;
      if (!isLive(now) || Date.now() >= deadline) return now.response;
      if (now.leaseExpiresAt !== null && now.leaseExpiresAt < Date.now()) await runs.sweep(Date.now(), true);
      await wake.promise;
    } finally {
      wake.cancel();
    }
  }
}
