/**
 * Errors are values with a shape: every failure the gateway reports is an ApiError,
 * and it maps to the OpenAI error body and HTTP status here and nowhere else.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'server_error'
  | 'upstream_error'
  | 'rate_limit_error';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, code);
}

export function notFound(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(404, message, 'invalid_request_error', param, code);
}

/** The upstream could not be reached at all (connection refused, DNS, reset before a response). */
export function upstreamUnavailable(detail: string): ApiError {
  return new ApiError(502, `Upstream model server is unavailable: ${detail}`, 'upstream_error', null, 'upstream_unavailable');
}

export function upstreamTimeout(detail: string): ApiError {
  return new ApiError(504, `Upstream model server timed out: ${detail}`, 'upstream_error', null, 'upstream_timeout');
}

export function internalError(message: string, code = 'server_error'): ApiError {
  return new ApiError(500, message, 'server_error', null, code);
}

/** Anything thrown that is not an ApiError is an internal bug: never leak its details. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return internalError('The gateway hit an internal error while processing the request.');
}
