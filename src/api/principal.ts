/**
 * The caller PRINCIPAL: a stable, non-secret id of the API key that authenticated a request.
 * Tools and stores scope what they own by it (code-interpreter containers, stored responses),
 * so one key never reaches another key's resources. It is the first 16 hex characters of the
 * key's SHA-256: stable across restarts and workers, safe to log and persist, and useless for
 * authenticating. With client authentication off every request has the same principal.
 */
import { createHash } from 'node:crypto';

export type Principal = string;

/** The principal of every request when `VR_API_KEYS` is empty (no client authentication). */
export const ANONYMOUS_PRINCIPAL: Principal = 'anonymous';

export function principalOf(apiKey: string): Principal {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex').slice(0, 16);
}
