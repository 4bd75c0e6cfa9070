import { ApiError } from '../api/errors.js';

/**
 * Turns a non-2xx upstream answer into an ApiError that keeps the upstream's status and message
 * in OpenAI's shape. Understands OpenAI's `{error:{message,type,param,code}}`, vLLM's
 * `{object:"error", message, type, param, code}` (where `code` is the HTTP status as a number),
 * FastAPI's `{detail: …}` and plain text bodies.
 */
export function mapUpstreamHttpError(status: number, bodyText: string): ApiError {
  const parsed = parseErrorBody(bodyText);
  const message = parsed.message || `Upstream model server returned HTTP ${status}.`;
  if (parsed.code === 'context_length_exceeded' || looksLikeContextLength(message)) {
    // OpenAI reports an over-long prompt as a 400 with this code; vLLM as a plain 400 (or 413/422
    // on some servers). Clients key their truncation logic on the code, so normalise it.
    return new ApiError(400, message, 'invalid_request_error', parsed.param ?? 'input', 'context_length_exceeded');
  }
  // A status outside 4xx/5xx (1xx/3xx leaking through) is not meaningful to a client: 502.
  const kept = status >= 400 && status <= 599 ? status : 502;
  return new ApiError(kept, message, typeFor(kept), parsed.param, parsed.code);
}

interface ParsedError {
  message: string;
  param: string | null;
  code: string | null;
}

function parseErrorBody(text: string): ParsedError {
  const trimmed = text.trim();
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return { message: trimmed.slice(0, 2000), param: null, code: null };
  }
  if (!isRecord(json)) return { message: trimmed.slice(0, 2000), param: null, code: null };
  const inner = isRecord(json.error) ? json.error : json;
  if (typeof json.error === 'string') return { message: json.error, param: null, code: null };
  const message = typeof inner.message === 'string' ? inner.message : detailMessage(inner.detail) ?? trimmed.slice(0, 2000);
  return {
    message,
    param: typeof inner.param === 'string' ? inner.param : null,
    // vLLM puts the numeric HTTP status in `code`; only string codes are OpenAI-style codes.
    code: typeof inner.code === 'string' ? inner.code : null,
  };
}

function detailMessage(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    const parts = detail.map((d) => (isRecord(d) && typeof d.msg === 'string' ? d.msg : JSON.stringify(d)));
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
