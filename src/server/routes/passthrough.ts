import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forwardableHeaders } from '../../net/hop-by-hop.js';
import type { UpstreamClient } from '../../upstream/http-client.js';

// The body reaches the client through the upstream client's size guard, which may end it early:
// fastify frames it itself rather than promising the upstream's length.
const RESTREAMED_LENGTH: ReadonlySet<string> = new Set(['content-length']);

function forwardableRequestHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'accept', 'traceparent', 'tracestate']) {
    const v = request.headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

async function forward(client: UpstreamClient, request: FastifyRequest, reply: FastifyReply, path: string, body: Buffer | null) {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  // A non-streaming completion sends its first byte only when it is done: only the total
  // deadline (and the idle one, once bytes flow) applies to a forwarded request.
  const res = await client.request(request.method, path, { body, headers: forwardableRequestHeaders(request), signal: controller.signal, deadlines: { firstByteTimeoutMs: Number.MAX_SAFE_INTEGER } });
  reply.status(res.status);
  for (const [name, value] of Object.entries(forwardableHeaders(res.headers, { direction: 'response', drop: RESTREAMED_LENGTH }))) reply.header(name, value);
  // The upstream body stream is piped as bytes arrive (SSE included), with backpressure.
  return reply.send(res.body);
}

/** `GET /v1/models` and `POST /v1/chat/completions` forwarded unchanged for older clients. */
export function registerPassthroughRoutes(app: FastifyInstance, client: UpstreamClient): void {
  app.get('/v1/models', async (request, reply) => {
    const qs = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return forward(client, request, reply, `/models${qs}`, null);
  });
  // Bodies are forwarded as the exact bytes received: an encapsulated scope with a raw parser.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/v1/chat/completions', async (request, reply) => forward(client, request, reply, '/chat/completions', request.body as Buffer));
  });
}
