/**
 * WebSocket mode: `GET /v1/responses` upgraded to a WebSocket (same auth as HTTP, checked before
 * the upgrade). The client sends `response.create` events (the create body without `stream` or
 * `background`); the server answers with exactly the SSE events, one JSON text frame each, and
 * errors as `error` events. One connection runs many responses, one after another.
 *
 * `previous_response_id` first looks in a connection-local cache of the last response (so it
 * works with `store: false`, as OpenAI documents), then in the store. A continuation that fails
 * evicts the cache entry. The connection outlives failed responses; it closes when idle, when a
 * ping goes unanswered, or when the client goes.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { ApiError, invalidRequest, toApiError } from '../../api/errors.js';
import type { Item } from '../../api/items.js';
import type { Principal } from '../../api/principal.js';
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

/** Messages a connection may have waiting behind the running response. */
const MAX_QUEUED_MESSAGES = 16;

/** What a continuation needs from the last response of this connection. */
interface CachedResponse {
  history: ConversationHistory;
  /** False for `store: false` responses: a continuation must not link to it in the store. */
  stored: boolean;
}

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

class ResponsesConnection {
  #cache: CachedResponse | null = null;
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #alive = true;
  #idle: NodeJS.Timeout | null = null;
  #ping: NodeJS.Timeout | null = null;
  readonly #closed = new AbortController();
  readonly #prepareDeps: PrepareDeps;

  constructor(
    private readonly socket: WebSocket,
    private readonly principal: Principal,
    private readonly deps: ResponsesWebSocketDeps,
  ) {
    this.#prepareDeps = {
      ...responsePrepareDeps(deps.engine),
      localHistory: (id) => (this.#cache?.history.response.id === id ? this.#cache.history : null),
    };
  }

  start(): void {
    const { socket, deps } = this;
    socket.on('message', (data, isBinary) => {
      this.#touch();
      if (isBinary) return this.#sendError(invalidRequest('Binary frames are not accepted; send JSON text frames.', null, 'invalid_message'));
      if (this.#queued >= MAX_QUEUED_MESSAGES) {
        return this.#sendError(invalidRequest(`Too many messages waiting behind the running response (at most ${MAX_QUEUED_MESSAGES}).`, null, 'too_many_queued_messages'));
      }
      this.#queued++;
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      this.#queue = this.#queue.then(() => this.#handle(text)).finally(() => this.#queued--);
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

  async #handle(text: string): Promise<void> {
    if (this.#closed.signal.aborted) return;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return this.#sendError(invalidRequest('The message is not valid JSON.', null, 'invalid_json'));
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      return this.#sendError(invalidRequest('A client event must be a JSON object with a type.', 'type', 'invalid_value'));
    }
    const { type, stream: _stream, stream_id: _lane, ...body } = event as Record<string, unknown>;
    if (type !== 'response.create') {
      return this.#sendError(invalidRequest(`Unsupported client event type ${JSON.stringify(type)}; send 'response.create'.`, 'type', 'invalid_value'));
    }
    const continues = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
    try {
      if (body.background === true) throw invalidRequest('Background mode is not available over WebSocket; use POST /v1/responses.', 'background', 'invalid_value');
      delete body.background;
      const prepared = this.#unlinkLocalParent(await prepareRequest(this.#prepareDeps, { ...body, stream: true }, this.principal));
      await this.#run(prepared, continues);
    } catch (err) {
      if (continues && this.#cache?.history.response.id === continues) this.#cache = null;
      this.#sendError(err instanceof ApiError ? err : toApiError(err));
    }
  }

  /**
   * A continuation of a `store: false` response from the cache has no stored parent: a stored
   * continuation then keeps the whole history as its own input (still continuable later).
   */
  #unlinkLocalParent(prepared: PreparedRequest): PreparedRequest {
    const cache = this.#cache;
    if (!cache || cache.stored || prepared.parentId !== cache.history.response.id) return prepared;
    return { ...prepared, parentId: null, history: [], input: [...prepared.history, ...prepared.input] };
  }

  async #run(prepared: PreparedRequest, continues: string | null): Promise<void> {
    const run = new ResponseRun(this.deps.engine, prepared, this.#closed.signal);
    for await (const batch of run.events()) {
      for (const ev of batch) await this.#send(ev);
    }
    const response = run.result.response;
    if (response.status === 'failed' || response.status === 'cancelled') {
      if (continues && this.#cache?.history.response.id === continues) this.#cache = null;
      return;
    }
    const include = prepared.req.include ?? [];
    const items: Item[] = [...prepared.history, ...prepared.input, ...response.output];
    this.#cache = {
      history: { response: filterOutputForClient(response, include) as unknown as ResponseObject, items },
      stored: this.deps.engine.store !== null && prepared.req.store !== false,
    };
  }

  /** One frame per event; waits while too much is unsent (a slow client slows the upstream read). */
  async #send(ev: StreamEvent | Record<string, unknown>): Promise<void> {
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return;
    const text = JSON.stringify(ev);
    if (socket.bufferedAmount < this.deps.settings.wsMaxBufferedBytes) {
      socket.send(text);
      return;
    }
    await new Promise<void>((resolve) => socket.send(text, () => resolve()));
  }

  #sendError(err: ApiError): void {
    void this.#send({ type: 'error', status: err.status, error: { type: err.type, code: err.code, message: err.message, param: err.param } });
  }
}
