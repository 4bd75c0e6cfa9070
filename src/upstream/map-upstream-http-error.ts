import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';

/**
 * An upstream's HTTP error. `upstreamBody` (the start of what it sent) is for the operator's
 * log only: error pages can carry internal host names and stack traces, so clients never see it.
 */
export class UpstreamHttpError extends ApiError {
  constructor(
    status: number,
    message: string,
    type: string,
    param: string | null,
    code: string | null,
    readonly upstreamStatus: number,
    readonly upstreamBody: string,
  ) {
    super(status, message, type, param, code);
  }
}

/** Longest upstream error message passed on to clients. */
const MAX_MESSAGE_CHARS = 2000;
/** Longest upstream body kept for the log. */
const MAX_LOGGED_BODY_CHARS = 2000;

/**
 * Turns a non-2xx upstream answer into an ApiError that keeps the upstream's status in OpenAI's
 * shape. A JSON error's message is passed on (users need "maximum context length is …"):
 * OpenAI's `{error:{message,type,param,code}}`, vLLM's `{object:"error", message, type, param,
 * code}` (where `code` is the HTTP status as a number), FastAPI's `{detail: …}`. Anything else
 * (an HTML error page, plain text) is replaced by a short description of the status; the body
 * is kept on the error for the log. Statuses that clients act on keep their meaning in `code`
 * (429 `rate_limit_exceeded`, 503 `service_unavailable`), also inside a stream's error event.
 */
export function mapUpstreamHttpError(status: number, bodyText: string): UpstreamHttpError {
  const parsed = parseErrorBody(bodyText);
  const message = parsed.message ? parsed.message.slice(0, MAX_MESSAGE_CHARS) : describeStatus(status);
  const logged = bodyText.slice(0, MAX_LOGGED_BODY_CHARS);
  if (parsed.code === 'context_length_exceeded' || looksLikeContextLength(message)) {
    // OpenAI reports an over-long prompt as a 400 with this code; vLLM as a plain 400 (or 413/422
    // on some servers). Clients key their truncation logic on the code, so normalise it.
    return new UpstreamHttpError(400, message, 'invalid_request_error', parsed.param ?? 'input', 'context_length_exceeded', status, logged);
  }
  // A status outside 4xx/5xx (1xx/3xx leaking through) is not meaningful to a client: 502.
  const kept = status >= 400 && status <= 599 ? status : 502;
  return new UpstreamHttpError(kept, message, typeFor(kept), parsed.param, parsed.code ?? codeFor(kept), status, logged);
}

function describeStatus(status: number): string {
  const text = STATUS_CODES[status];
  return `The upstream model server answered HTTP ${status}${text ? ` (${text})` : ''}.`;
}

/** Codes for statuses whose meaning a client acts on (retry later, back off). */
function codeFor(status: number): string | null {
  switch (status) {
    case 429:
      return 'rate_limit_exceeded';
    case 503:
      return 'service_unavailable';
    case 500:
    case 502:
    case 504:
      return 'upstream_error';
    default:
      return null;
  }
}

interface ParsedError {
  message: string;
  param: string | null;
  code: string | null;
}

// The error bodies servers send, as one loose description: OpenAI `{"error": {message, param,
// code}}`, vLLM `{"object": "error", message, code: <number>}` or `{"error": "text"}`, FastAPI
// `{"detail": "text" | [{msg}, …]}`. A field of another type reads as absent (error path: cost
// does not matter, forgiveness does).
const optionalString = z.string().optional().catch(undefined);
const errorFields = z.object({
  message: optionalString,
  param: optionalString,
  // vLLM puts the numeric HTTP status in `code`; only string codes are OpenAI-style codes.
  code: optionalString,
  detail: z.union([z.string(), z.array(z.unknown())]).optional().catch(undefined),
});
const errorBody = errorFields.extend({
  error: z.union([z.string(), errorFields]).optional().catch(undefined),
});
const detailEntry = z.object({ msg: z.string() });

function parseErrorBody(text: string): ParsedError {
  const trimmed = text.trim();
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { message: '', param: null, code: null };
  }
  const parsed = errorBody.safeParse(json);
  if (!parsed.success) return { message: '', param: null, code: null };
  const body = parsed.data;
  if (typeof body.error === 'string') return { message: body.error, param: null, code: null };
  const inner = body.error ?? body;
  return { message: inner.message ?? detailMessage(inner.detail) ?? '', param: inner.param ?? null, code: inner.code ?? null };
}

function detailMessage(detail: string | unknown[] | undefined): string | undefined {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((d) => {
      const entry = detailEntry.safeParse(d);
      return entry.success ? entry.data.msg : JSON.stringify(d);
    });
    return parts.join('; ');
  }
  return undefined;
}

const CONTEXT_LENGTH_PATTERNS = [
  /maximum context length/i,
  /context window/i,
  /context length/i,
  /max_model_len/i,
  /prompt is too long/i,
  /input is too long/i,
];

function looksLikeContextLength(message: string): boolean {
  return CONTEXT_LENGTH_PATTERNS.some((re) => re.test(message));
}

function typeFor(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'upstream_error';
  return 'invalid_request_error';
}
