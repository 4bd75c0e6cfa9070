import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, toApiError } from '../api/errors.js';

/** What a client may see of its own URL in an error: enough to recognise it, never all of it. */
function shortPath(url: string): string {
  const path = url.split('?', 1)[0] ?? '';
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
}

/** A 4xx whose cause has no better description: the status in words, never an echo of input. */
function genericClientError(status: number, code: string | null): ApiError {
  const text = STATUS_CODES[status] ?? 'Bad Request';
  return new ApiError(status, `${text}.`, 'invalid_request_error', null, code ?? text.toLowerCase().replaceAll(/[^a-z]+/g, '_'));
}

/** Fastify's own errors (bad JSON, body too large, wrong content type) in OpenAI's shape. */
function fromFastifyError(err: FastifyError): ApiError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'The request body is too large.', 'invalid_request_error', null, 'request_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, `Unsupported content type: ${err.message}`, 'invalid_request_error', null, 'unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'The request body is empty; send a JSON object.', 'invalid_request_error', null, 'invalid_body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, `The request body is not valid JSON: ${err.message}`, 'invalid_request_error', null, 'invalid_json');
    default:
      if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message))) {
        return new ApiError(400, `The request body is not valid JSON: ${err.message}`, 'invalid_request_error', null, 'invalid_json');
      }
      if (err.statusCode === 414) return new ApiError(414, 'The request URL is too long.', 'invalid_request_error', null, 'uri_too_long');
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return genericClientError(err.statusCode, null);
      return null;
  }
}

/** The one place errors become HTTP responses: OpenAI body shape, matching status. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const apiErr = err instanceof ApiError ? err : (fromFastifyError(err) ?? toApiError(err));
    if (apiErr.status >= 500 && !(err instanceof ApiError)) request.log.error({ err }, 'unhandled error');
    void reply.status(apiErr.status).send(apiErr.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new ApiError(404, `Unknown route: ${request.method} ${shortPath(request.url)}`, 'invalid_request_error', null, 'not_found').toBody());
  });
}

/**
 * Errors fastify's router raises before any route or hook runs (a URL that does not decode,
 * e.g. `/v1/responses/resp_%ff`): fastify's `frameworkErrors` option.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const apiErr = err.code === 'FST_ERR_BAD_URL' ? new ApiError(400, 'The request URL is not validly encoded.', 'invalid_request_error', null, 'invalid_url') : genericClientError(err.statusCode ?? 400, null);
  void reply.status(apiErr.status).send(apiErr.toBody());
}

/** Node's HTTP parser errors (and timeouts) by their code: the status and the OpenAI error. */
function clientErrorFor(err: NodeJS.ErrnoException): ApiError {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'The request was not received in time.', 'invalid_request_error', null, 'request_timeout');
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'The request headers (or URL) are too large.', 'invalid_request_error', null, 'request_header_fields_too_large');
    case 'HPE_URI_TOO_LONG':
      return new ApiError(414, 'The request URL is too long.', 'invalid_request_error', null, 'uri_too_long');
    default:
      return new ApiError(400, 'The request could not be parsed as HTTP.', 'invalid_request_error', null, 'bad_request');
  }
}

/**
 * fastify's `clientErrorHandler`: a request Node could not parse, or one too slow to arrive.
 * No request object exists yet, so the answer is written to the socket by hand, then closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const apiErr = clientErrorFor(err);
  const body = JSON.stringify(apiErr.toBody());
  socket.end(
    `HTTP/1.1 ${apiErr.status} ${STATUS_CODES[apiErr.status] ?? 'Bad Request'}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
