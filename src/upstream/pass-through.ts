/**
 * Request parameters the upstream receives as they are: the public request field (or a value
 * derived from the request), and the field(s) each transport sends it as. A value that is
 * null, absent or an empty string is not sent.
 *
 * Adding a pass-through parameter: its zod field in api/request-schema.ts, one line here, its
 * echo in api/response-object.ts (see docs/architecture.md). Parameters with more logic than a
 * rename (max_output_tokens, logprobs, reasoning, text.format/verbosity, tools) stay explicit
 * fields of TurnRequest.
 */
import type { CreateResponseRequest } from '../api/request-schema.js';

interface PassThrough {
  /** The value to send; default: the request field of the same name. */
  value?: (req: CreateResponseRequest) => unknown;
  /** The field(s) a Chat Completions upstream receives it as. */
  chat: readonly string[];
  /** The field(s) a native Responses upstream receives it as. */
  responses: readonly string[];
}

export const PASS_THROUGH = {
  temperature: { chat: ['temperature'], responses: ['temperature'] },
  top_p: { chat: ['top_p'], responses: ['top_p'] },
  presence_penalty: { chat: ['presence_penalty'], responses: [] },
  frequency_penalty: { chat: ['frequency_penalty'], responses: [] },
  // `safety_identifier` replaces the deprecated `user`; upstreams know only `user`.
  user: { value: (req) => req.safety_identifier ?? req.user, chat: ['user'], responses: ['user'] },
  // vLLM's prefix-cache salt: requests with different keys never share cached prefixes.
  prompt_cache_key: { chat: ['cache_salt'], responses: ['prompt_cache_key', 'cache_salt'] },
  // `auto`/`default` is what the upstream does anyway: only an explicit tier is worth sending.
  service_tier: { value: (req) => (req.service_tier === 'auto' || req.service_tier === 'default' ? null : req.service_tier), chat: ['service_tier'], responses: ['service_tier'] },
} satisfies Record<string, PassThrough>;

export type PassThroughName = keyof typeof PASS_THROUGH;
/** The values of one request's pass-through parameters, by public name; absent = not sent. */
export type PassThroughParams = Partial<Record<PassThroughName, unknown>>;

const entries = Object.entries(PASS_THROUGH) as [PassThroughName, PassThrough][];

/** Read once per request: the parameters this request passes through. */
export function passThroughParams(req: CreateResponseRequest): PassThroughParams {
  const out: PassThroughParams = {};
  for (const [name, p] of entries) {
    const value = p.value ? p.value(req) : req[name as keyof CreateResponseRequest];
    if (value !== null && value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** Write a request's pass-through parameters into an upstream body under the transport's names. */
export function applyPassThrough(body: Record<string, unknown>, params: PassThroughParams, transport: 'chat' | 'responses'): void {
  for (const [name, p] of entries) {
    const value = params[name];
    if (value === undefined) continue;
    for (const field of p[transport]) body[field] = value;
  }
}
