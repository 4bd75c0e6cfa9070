import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, toApiError } from '../api/errors.js';

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
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return new ApiError(err.statusCode, err.message, 'invalid_request_error', null, err.code ?? null);
      }
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
    void reply
      .status(404)
      .send(new ApiError(404, `Unknown route: ${request.method} ${request.url.split('?')[0]}`, 'invalid_request_error', null, 'not_found').toBody());
  });
}
