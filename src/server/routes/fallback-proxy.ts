// Integrated mode (`vllm serve --responses`): one public server offers both the gateway's routes
// and vLLM's whole API. Every request no gateway route matched is forwarded to vLLM as it came:
// method, path, query, headers (minus hop-by-hop), body bytes streamed both ways with
// backpressure; a client that goes away aborts the forwarded request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Pool } from 'undici';
import { ApiError } from '../../api/errors.js';
import { forwardableHeaders } from '../../net/hop-by-hop.js';
import { mapTransportError } from '../../upstream/map-transport-error.js';

export interface FallbackProxyOptions {
  /** Origin of the proxied server, e.g. `http://127.0.0.1:41234` (no path). */
  origin: string;
  /**
   * Prefix under which the proxied server's own copy of a path the gateway owns stays reachable:
   * with `/vllm`, `GET /vllm/metrics` is vLLM's `/metrics` while `/metrics` is the gateway's.
   */
  aliasPrefix: string;
}

// These path families belong to the gateway even for methods it has no route for: a
// `PUT /v1/responses` is the gateway's 404, never silently vLLM's own Responses endpoint.
const GATEWAY_PREFIXES = ['/v1/responses', '/v1/mcp'];

function ownedByGateway(path: string): boolean {
  return GATEWAY_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** The proxied server's path for a public URL (query string kept), or null if the gateway owns it. */
export function targetPath(url: string, aliasPrefix: string): string | null {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  if (path === aliasPrefix || path.startsWith(`${aliasPrefix}/`)) return `${path.slice(aliasPrefix.length) || '/'}${query}`;
  return ownedByGateway(path) ? null : url;
}

function hasBody(request: FastifyRequest): boolean {
  const h = request.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

async function forward(pool: Pool, path: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('client disconnected'));
  });
  const headers = forwardableHeaders(request.headers, { direction: 'request' });
  let res: Awaited<ReturnType<Pool['request']>>;
  try {
    res = await pool.request({
      method: request.method as 'GET',
      path,
      headers,
      // The body was left unread by the catch-all parser: stream it straight through.
      body: hasBody(request) ? request.raw : null,
      signal: controller.signal,
    });
  } catch (err) {
    throw mapTransportError(err, controller.signal);
  }
  reply.status(res.statusCode);
  for (const [name, value] of Object.entries(forwardableHeaders(res.headers, { direction: 'response' }))) reply.header(name, value);
  // Bytes go out as they arrive (SSE included); fastify pipes with backpressure.
  return reply.send(res.body);
}

/**
 * Registers a catch-all route (every method, every path no other route matched) forwarding to
 * `origin`. Static and parametric gateway routes always win over the wildcard in the router.
 */
export function registerFallbackProxy(app: FastifyInstance, opts: FallbackProxyOptions): void {
  // No connect/headers/body timeouts: a proxied non-streaming generation only answers when done,
  // exactly as it would if the client talked to vLLM directly; a client disconnect aborts.
  const pool = new Pool(opts.origin, { headersTimeout: 0, bodyTimeout: 0 });
  app.addHook('onClose', async () => {
    await pool.close();
  });
  void app.register(async (scope) => {
    // Bodies are not parsed: whatever the content type, the raw request stream is forwarded.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const path = targetPath(request.url, opts.aliasPrefix);
      if (path === null) {
        throw new ApiError(404, `Unknown route: ${request.method} ${request.url.split('?')[0]}`, 'invalid_request_error', null, 'not_found');
      }
      return forward(pool, path, request, reply);
    };
    // `streamBody`: the request body is forwarded as it arrives (never buffered), so no hook may read it.
    scope.all('/', { config: { streamBody: true } }, handler);
    scope.all('/*', { config: { streamBody: true } }, handler);
  });
}
