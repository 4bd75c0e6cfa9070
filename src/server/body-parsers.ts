import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api/errors.js';

/**
 * Request body parsing for the gateway's own routes.
 *
 * An empty body is "no body", whatever content type announces it: the OpenAI Python SDK sends
 * `DELETE /v1/responses/{id}` with `content-type: application/json` and nothing after it, and
 * OpenAI's own curl examples do the same for GETs. Routes that need a body (POST
 * /v1/responses) reject a missing one themselves, with a 400 naming it.
 * A non-empty body must be JSON (415 otherwise); JSON keeps Fastify's parser with its
 * prototype-poisoning protection.
 */
export function installBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    json(request, text, done);
  });
  // Any other content type: accepted only when nothing follows it.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim() || '(none)';
    done(new ApiError(415, `Unsupported content type: '${type}'. Send the request body as application/json.`, 'invalid_request_error', null, 'unsupported_media_type'), undefined);
  });
}
