import { ApiError, upstreamTimeout, upstreamUnavailable } from '../api/errors.js';
import type { CancelSignal } from '../cancellation/cancellation.js';

/**
 * The one place where a transport failure talking to the upstream becomes an ApiError.
 *
 * - The caller's own abort is not an upstream failure: it is rethrown unchanged (as the
 *   signal's reason when there is one) so callers can tell "client went away" from "upstream
 *   broke" and never report a 502 for a disconnect.
 * - connect / headers / body timeouts → 504 `upstream_timeout`.
 * - everything else at the socket level (refused, DNS, reset, closed mid-body) → 502
 *   `upstream_unavailable`.
 */
export function mapTransportError(err: unknown, signal?: Pick<CancelSignal, 'aborted' | 'reason'> | null): unknown {
  if (err instanceof ApiError) return err;
  if (signal?.aborted) return signal.reason ?? err;
  const code = errorCode(err);
  if (code === 'UND_ERR_ABORTED' || isAbortError(err)) return err;
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return upstreamTimeout('connection timed out');
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return upstreamTimeout('no response headers in time');
  if (code === 'UND_ERR_BODY_TIMEOUT') return upstreamTimeout('the response body stalled');
  return upstreamUnavailable(describe(err, code));
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const direct = (err as { code?: unknown }).code;
  if (typeof direct === 'string') return direct;
  // Node's happy-eyeballs connect (localhost → ::1 and 127.0.0.1) fails with an AggregateError
  // whose members carry the code; fetch-style errors wrap it in `cause`.
  const inner = (err as { errors?: unknown[]; cause?: unknown }).errors?.[0] ?? (err as { cause?: unknown }).cause;
  return inner === undefined || inner === err ? undefined : errorCode(inner);
}

function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

function describe(err: unknown, code: string | undefined): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'connection closed unexpectedly';
    default: {
      const message = err instanceof Error && err.message ? err.message : String(err);
      return code ? `${code}: ${message}` : message;
    }
  }
}
