/**
 * Client API keys (`VR_API_KEYS`): every route except the open ones (`/health`, the metrics
 * path) needs `Authorization: Bearer <key>`, else 401 `authentication_error` in OpenAI's shape.
 * Every request also gets `request.principal` (see api/principal.ts): the matched key's id, or
 * `anonymous` when authentication is off, so handlers can scope what a caller may reach.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import { ANONYMOUS_PRINCIPAL, principalOf, type Principal } from '../../api/principal.js';
import { globalPlugin } from './global-plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: the non-secret id of the API key that authenticated this request. */
    principal: Principal;
  }
}

export interface AuthPluginOptions {
  keys: readonly string[];
  /** Exact paths served without a key. */
  openPaths: readonly string[];
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The principal of the key `presented` matches, or null. Keys are compared as SHA-256 digests
 * so every comparison is between equal-length buffers (timingSafeEqual's requirement) and takes
 * the same time whatever the presented value; every key is checked, so the position of a match
 * leaks nothing either.
 */
export function createKeyMatcher(keys: readonly string[]): (presented: string) => Principal | null {
  const known = keys.map((key) => ({ digest: digest(key), principal: principalOf(key) }));
  return (presented) => {
    const candidate = digest(presented);
    let found: Principal | null = null;
    for (const k of known) if (timingSafeEqual(candidate, k.digest)) found = k.principal;
    return found;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function unauthorized(present: boolean): ApiError {
  return present
    ? new ApiError(401, 'Incorrect API key provided.', 'authentication_error', null, 'invalid_api_key')
    : new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'authentication_error',
        null,
        'missing_api_key',
      );
}

/** `/health/` and `/health?x` are the same open route as `/health`. */
function pathOf(url: string): string {
  const path = url.split('?', 1)[0] ?? url;
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** Registered always: with no keys every request passes as the anonymous principal. */
export const authPlugin = globalPlugin<AuthPluginOptions>('vllm-responses-auth', (app, { keys, openPaths }) => {
  app.decorateRequest('principal', ANONYMOUS_PRINCIPAL);
  if (keys.length === 0) return;
  const matches = createKeyMatcher(keys);
  const open = new Set(openPaths);
  app.addHook('onRequest', (request, reply, done) => {
    if (open.has(pathOf(request.url))) return done();
    const token = bearerToken(request.headers.authorization);
    const principal = token === null ? null : matches(token);
    if (principal !== null) {
      request.principal = principal;
      return done();
    }
    // Answering from the hook ends the request here: no body parsing, no handler.
    void reply.status(401).send(unauthorized(request.headers.authorization !== undefined).toBody());
  });
});
