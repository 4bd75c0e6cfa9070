// The per-start token that authenticates the gateway to its loopback helpers (code
// interpreter, MCP runtime): without it any local process could run code or call MCP tools
// through them. The supervisor generates one per helper start and hands it over in the
// helper's environment (never argv, which every local user can read in /proc); the helper
// removes it from its environment at once, and compares presented tokens in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Request header carrying the token. */
export const HELPER_TOKEN_HEADER = 'x-vr-helper-token';
/** Environment variables the helpers read their token from (and the gateway, for `external`). */
export const CODE_INTERPRETER_TOKEN_ENV = 'VR_CODE_INTERPRETER_TOKEN';
export const MCP_RUNTIME_TOKEN_ENV = 'VR_MCP_RUNTIME_TOKEN';

export function newHelperToken(): string {
  return randomBytes(32).toString('hex');
}

/** Reads the token from `name` and deletes it from this process's environment. */
export function takeTokenFromEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  delete process.env[name];
  return value || undefined;
}

/** A constant-time check of a presented header value against `token`. */
export function tokenMatcher(token: string): (presented: string | string[] | undefined) => boolean {
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (presented) => typeof presented === 'string' && timingSafeEqual(createHash('sha256').update(presented, 'utf8').digest(), expected);
}
