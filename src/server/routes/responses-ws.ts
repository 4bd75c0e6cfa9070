/**
 * WebSocket mode: `GET /v1/responses` upgraded to a WebSocket (same auth as HTTP, checked before
 * the upgrade). The client sends `response.create` events (the create body without `stream` or
 * `background`); the server answers with exactly the SSE events, one JSON text frame each, and
 * errors as `error` events. One connection runs many responses: one after another within a
 * `stream_id` lane, lanes side by side (their events echo the `stream_id`).
 *
 * `previous_response_id` first looks in a connection-local cache of each lane's last response
 * (so it works with `store: false`, as OpenAI documents, and a new lane can fork from another
 * lane's response), then in the store. A continuation that fails evicts the cache entry.
 * `generate: false` prepares a response (validated, stored, cached) without calling the model.
 * The connection outlives failed responses; it closes when idle, when a ping goes unanswered, or
 * when the client goes. */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError, invalidRequest, toApiError } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import type { Principal } from '../../api/principal.js';
import { Cancellation } from '../../cancellation/cancellation.js';
import type { RunSettings } from '../../config/run-settings.js';
import type { StreamEvent } from '../../engine/composer.js';
import { filterOutputForClient } from '../../engine/include-filter.js';
import { prepareRequest, type PrepareDeps, type PreparedRequest } from '../../engine/prepare.js';
import { ResponseRun, type EngineDeps } from '../../engine/run-response.js';
import type { ConversationHistory, ResponseObject, StoreLogger } from '../../store/types.js';
import { responsePrepareDeps } from './responses.js';

export interface ResponsesWebSocketDeps {
  engine: EngineDeps;
  settings: RunSettings;
  logger: StoreLogger;
}

/** What a continuation needs from the last response of a lane. */
interface CachedResponse {
  history: ConversationHistory;
  /** False for `store: false` responses: a continuation must not link to it in the store. */
  stored: boolean;
}

/**
 * One `stream_id` lane (`''` when the client sends none): its responses run one after another,
 * in the order they arrived; different lanes run side by side. Each lane remembers its last
 * response, and any lane may continue (fork) from any lane's remembered response.
 */
interface Lane {
  tail: Promise<void>;
  /** Messages of this lane waiting or running. */
  pending: number;
  cache: CachedResponse | null;
}

/** The longest `stream_id` accepted (it is echoed on every event of its responses). */
const MAX_STREAM_ID_CHARS = 256;

/** A plugin (its own scope): the WebSocket server is attached when it loads. */
export async function responsesWebSocketPlugin(app: FastifyInstance, deps: ResponsesWebSocketDeps): Promise<void> {
  await app.register(websocket, { options: { maxPayload: deps.settings.wsMaxMessageBytes } });
  // An upgrade refused by a global hook (401 from auth) never reaches the plugin's own hooks,
  // which close refused upgrade sockets: close it here once the answer is sent, so neither the
  // client nor a shutdown waits on a socket no HTTP server tracks.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade && request.ws === null && !request.raw.socket.destroyed) request.raw.socket.end();
  });
  app.route({
    method: 'GET',
    url: '/v1/responses',
    // A plain GET (no upgrade) is not an API route.
    handler: async () => {
      throw invalidRequest('GET /v1/responses is the WebSocket endpoint: connect with a WebSocket upgrade, or use POST /v1/responses.', null, 'websocket_upgrade_required');
    },
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      new ResponsesConnection(socket, request.principal, deps).start();
    },
  });
}

/** A client message once its lane is known: the parsed event, or the error to answer in its place. */
type Message = { event: Record<string, unknown> } | { error: ApiError };

class ResponsesConnection {
  /** Lanes by `stream_id`, least recently used first. */
  readonly #lanes = new Map<string, Lane>();
  /** Messages waiting or running over all lanes. */
  #queued = 0;
  #alive = true;
  #idle: NodeJS.Timeout | null = null;
  #ping: NodeJS.Timeout | null = null;
  readonly #closed = new Cancellation();
  readonly #prepareDeps: PrepareDeps;

  constructor(
    private readonly socket: WebSocket,
    private readonly principal: Principal,
    private readonly deps: ResponsesWebSocketDeps,
  ) {
    this.#prepareDeps = {
      ...responsePrepareDeps(deps.engine),
      localHistory: (id) => this.#cached(id)?.history ?? null,
    };
  }

  start(): void {
    const { socket, deps } = this;
    socket.on('message', (data, isBinary) => {
      this.#touch();
      if (isBinary) return this.#sendError(invalidRequest('Binary frames are not accepted; send JSON text frames.', null, 'invalid_message'), '');
      const max = deps.settings.wsMaxQueuedMessages;
      if (this.#queued >= max) {
        return this.#sendError(invalidRequest(`Too many messages waiting behind the running responses (at most ${max}).`, null, 'too_many_queued_messages'), '');
      }
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      const message = parseMessage(text);
      // Steering targets a running response: answered at once, not queued behind it.
      if ('event' in message && message.event.type === 'response.steer') return this.#refuseSteer(message.event);
      const laneId = 'event' in message && typeof message.event.stream_id === 'string' ? message.event.stream_id : '';
      const lane = this.#lane(laneId);
      this.#queued++;
      lane.pending++;
      lane.tail = lane.tail
        .then(() => this.#handle(message, laneId, lane))
        .finally(() => {
          this.#queued--;
          lane.pending--;
        });
    });
    socket.on('pong', () => (this.#alive = true));
    socket.on('close', () => this.#stop());
    socket.on('error', (err) => {
      deps.logger.warn({ err }, 'websocket connection error');
      this.#stop();
    });
    this.#ping = setInterval(() => {
      if (!this.#alive) {
        deps.logger.warn({}, 'websocket client missed a pong; closing the connection');
        socket.terminate();
        return;
      }
      this.#alive = false;
      socket.ping();
    }, deps.settings.wsPingMs);
    this.#touch();
  }

  /** The lane of `id`, made most recently used; idle lanes beyond `VR_WS_MAX_STREAMS` are forgotten. */
  #lane(id: string): Lane {
    let lane = this.#lanes.get(id);
    if (lane) this.#lanes.delete(id);
    else lane = { tail: Promise.resolve(), pending: 0, cache: null };
    this.#lanes.set(id, lane);
    for (const [other, l] of this.#lanes) {
      if (this.#lanes.size <= this.deps.settings.wsMaxStreams) break;
      if (l.pending === 0 && other !== id) this.#lanes.delete(other);
    }
    return lane;
  }

  /** The remembered response `id` of any lane (a lane may fork from another lane's response). */
  #cached(id: string): CachedResponse | null {
    for (const lane of this.#lanes.values()) if (lane.cache?.history.response.id === id) return lane.cache;
    return null;
  }

  #forget(id: string | null): void {
    if (id === null) return;
    for (const lane of this.#lanes.values()) if (lane.cache?.history.response.id === id) lane.cache = null;
  }

  #stop(): void {
    if (this.#ping) clearInterval(this.#ping);
    if (this.#idle) clearTimeout(this.#idle);
    // A response still running for a client that left is cancelled (and stored as such).
    this.#closed.abort();
  }

  /** Close a connection with no client message for the idle timeout (not while a response runs). */
  #touch(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#queued > 0) return this.#touch();
      this.socket.close(1000, 'idle timeout');
    }, this.deps.settings.wsIdleMs);
  }

  async #handle(message: Message, laneId: string, lane: Lane): Promise<void> {
    if (this.#closed.aborted) return;
    if ('error' in message) return this.#sendError(message.error, laneId);
    const { type, stream: _stream, stream_id: _lane, generate, ...body } = message.event;
    if (type !== 'response.create') {
      return this.#sendError(invalidRequest(`Unsupported client event type ${JSON.stringify(type)}; send 'response.create'.`, 'type', 'invalid_value'), laneId);
    }
    const continues = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
    try {
      if (body.background === true) throw invalidRequest('Background mode is not available over WebSocket; use POST /v1/responses.', 'background', 'invalid_value');
      if (generate !== undefined && typeof generate !== 'boolean') throw invalidRequest('generate must be a boolean.', 'generate', 'invalid_type');
      delete body.background;
      const prepared = this.#unlinkLocalParent(await prepareRequest(this.#prepareDeps, { ...body, stream: true }, this.principal));
      await this.#run(prepared, continues, laneId, lane, generate !== false);
    } catch (err) {
      this.#forget(continues);
      this.#sendError(err instanceof ApiError ? err : toApiError(err), laneId);
    }
  }

  /**
   * A continuation of a `store: false` response from the cache has no stored parent: a stored
   * continuation then keeps the whole history as its own input (still continuable later).
   */
  #unlinkLocalParent(prepared: PreparedRequest): PreparedRequest {
    const cache = prepared.parentId === null ? null : this.#cached(prepared.parentId);
    if (!cache || cache.stored) return prepared;
    return { ...prepared, parentId: null, history: [], input: [...prepared.history, ...prepared.input] };
  }

  async #run(prepared: PreparedRequest, continues: string | null, laneId: string, lane: Lane, generate: boolean): Promise<void> {
    const run = new ResponseRun(this.deps.engine, prepared, this.#closed, { generate });
    for await (const batch of run.events()) {
      for (const ev of batch) await this.#send(ev, laneId);
    }
    const response = run.result.response;
    if (response.status === 'failed' || response.status === 'cancelled') {
      this.#forget(continues);
      return;
    }
    const include = prepared.req.include ?? [];
    const items: Item[] = [...prepared.history, ...prepared.input, ...response.output];
    lane.cache = {
      history: { response: filterOutputForClient(response, include) as unknown as ResponseObject, items },
      stored: this.deps.engine.store !== null && prepared.req.store !== false,
    };
  }

  /** One frame per event; waits while too much is unsent (a slow client slows the upstream read). */
  async #send(ev: StreamEvent | Record<string, unknown>, laneId: string): Promise<void> {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return;
    // Events of a lane echo its stream_id (appended: the engine's event objects are not copied).
    const json = JSON.stringify(ev);
    const text = laneId ? `${json.slice(0, -1)},"stream_id":${JSON.stringify(laneId)}}` : json;
    if (socket.bufferedAmount < this.deps.settings.wsMaxBufferedBytes) {
      socket.send(text);
      return;
    }
    await new Promise<void>((resolve) => socket.send(text, () => resolve()));
  }

  /**
   * `response.steer` (queue user input into a running response) is not supported: the gateway's
   * tool loop has no point at which to take it. The client gets OpenAI's `response.steer.failed`
   * with `steering_not_supported` and its input back, to send as a `response.create` that
   * continues from the response once it ends (what OpenAI's docs tell clients to do with
   * uncommitted steering input).
   */
  #refuseSteer(event: Record<string, unknown>): void {
    const target = typeof event.previous_response_id === 'string' ? event.previous_response_id : '';
    const valid = target !== '' && (typeof event.input === 'string' || Array.isArray(event.input));
    const lane = valid ? [...this.#lanes].find(([, l]) => l.cache?.history.response.id === target)?.[0] ?? '' : '';
    const error = valid
      ? { type: 'invalid_request_error', code: 'steering_not_supported', message: 'Steering is not supported by this gateway: send the input in a response.create with previous_response_id once the response has ended.' }
      : { type: 'invalid_request_error', code: 'invalid_input', message: 'response.steer needs previous_response_id (a string) and input (a string or a list of items).' };
    void this.#send({ type: 'response.steer.failed', sequence_number: 0, steer: { input: event.input ?? null, previous_response_id: target }, error }, lane);
  }

  #sendError(err: ApiError, laneId: string): void {
    void this.#send({ type: 'error', status: err.status, error: { type: err.type, code: err.code, message: err.message, param: err.param } }, laneId);
  }
}

/** A client frame → its event, or the error to send for it (in the default lane, where it arrived). */
function parseMessage(text: string): Message {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return { error: invalidRequest('The message is not valid JSON.', null, 'invalid_json') };
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { error: invalidRequest('A client event must be a JSON object with a type.', 'type', 'invalid_value') };
  }
  const laneId = (event as Record<string, unknown>).stream_id;
  if (laneId !== undefined && (typeof laneId !== 'string' || laneId.length === 0 || laneId.length > MAX_STREAM_ID_CHARS)) {
    return { error: invalidRequest(`stream_id must be a non-empty string of at most ${MAX_STREAM_ID_CHARS} characters.`, 'stream_id', 'invalid_value') };
  }
  return { event: event as Record<string, unknown> };
}
