/**
 * Counting a turn's input tokens the way the model server will, and knowing its context size.
 *
 * - Tokens: vLLM's `POST /tokenize` (beside `/v1`, not under it) with the turn rendered exactly
 *   as the Chat Completions adapter renders it (messages and tools), so the server applies the
 *   model's own chat template. Its answer is `{count, max_model_len, tokens}`.
 * - Fallback: when the upstream has no such endpoint (404/405/501, or any non-vLLM server), the
 *   count is an estimate, one token per 4 bytes of the rendered JSON (rounded up), and says so
 *   (`exact: false`). The missing endpoint is remembered for `modelInfoTtlMs`, not probed on
 *   every request.
 * - Context size: `max_model_len` of the model in the upstream's `/v1/models` (vLLM lists it),
 *   cached for `modelInfoTtlMs`; otherwise the value the last `/tokenize` answer reported.
 */
import { ApiError } from '../api/errors.js';
import { buildChatRequest } from './chat-completions/build-request.js';
import { readBodyText, type UpstreamClient } from './http-client.js';
import { mapUpstreamHttpError } from './map-upstream-http-error.js';
import type { TurnRequest } from './types.js';

export interface TokenCount {
  tokens: number;
  /** True when the upstream counted; false for the byte-length estimate. */
  exact: boolean;
}

export interface TokenCounter {
  count(turn: TurnRequest, signal?: AbortSignal): Promise<TokenCount>;
  /** The model's context length, or null when the upstream does not say. */
  maxModelLen(model: string, signal?: AbortSignal): Promise<number | null>;
}

export interface TokenCounterOptions {
  modelInfoTtlMs: number;
  timeoutMs: number;
  clock?: () => number;
}

const UNSUPPORTED = new Set([404, 405, 501]);

/** The fallback estimate: ~4 bytes of rendered JSON per token, as common BPE vocabularies average. */
export function estimateTokens(rendered: unknown): number {
  return Math.ceil(Buffer.byteLength(JSON.stringify(rendered), 'utf8') / 4);
}

const TOKENS_KEY = '"tokens":[';

/**
 * `{count, max_model_len, tokens: [ids…], token_strs}` → count and max_model_len. The ids array
 * is as long as the input (74,000 numbers for a 1,000-turn conversation) and the gateway never
 * uses it, so when `count` is there it is cut out before parsing: parsing it would cost more CPU
 * than everything else an input_tokens request does. An array of integers holds no brackets or
 * quotes, so its end is the next `]`; anything unexpected falls back to parsing it all.
 */
export function parseTokenizeAnswer(text: string): { count: number; max_model_len: number | null } {
  const at = text.indexOf(TOKENS_KEY);
  const end = at < 0 ? -1 : text.indexOf(']', at + TOKENS_KEY.length);
  const withoutIds = end > 0 ? parseObject(`${text.slice(0, at)}"tokens":null${text.slice(end + 1)}`) : null;
  const parsed = typeof withoutIds?.count === 'number' ? withoutIds : parseObject(text);
  if (!parsed) throw new ApiError(502, 'The upstream /tokenize answered with invalid JSON.', 'upstream_error', null, 'upstream_invalid_response');
  const count = typeof parsed.count === 'number' ? parsed.count : Array.isArray(parsed.tokens) ? parsed.tokens.length : null;
  if (count === null) throw new ApiError(502, 'The upstream /tokenize answer has no count.', 'upstream_error', null, 'upstream_invalid_response');
  const len = parsed.max_model_len;
  return { count, max_model_len: typeof len === 'number' && len > 0 ? len : null };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function createTokenCounter(client: UpstreamClient, opts: TokenCounterOptions): TokenCounter {
  const now = opts.clock ?? Date.now;
  let tokenizeMissingUntil = 0;
  let models: { at: number; lengths: Map<string, number> } | null = null;
  let modelsLoading: Promise<Map<string, number>> | null = null;
  const reported = new Map<string, number>();

  async function loadModels(signal?: AbortSignal): Promise<Map<string, number>> {
    if (models && now() - models.at < opts.modelInfoTtlMs) return models.lengths;
    modelsLoading ??= (async () => {
      const lengths = new Map<string, number>();
      try {
        const list = (await client.getModels(signal)) as { data?: { id?: unknown; max_model_len?: unknown }[] };
        for (const m of list?.data ?? []) {
          if (typeof m.id === 'string' && typeof m.max_model_len === 'number' && m.max_model_len > 0) lengths.set(m.id, m.max_model_len);
        }
      } catch {
        // No model list: fall back to what /tokenize reports.
      }
      models = { at: now(), lengths };
      return lengths;
    })().finally(() => {
      modelsLoading = null;
    });
    return modelsLoading;
  }

  return {
    async count(turn, signal) {
      const body = buildChatRequest(turn);
      const rendered: Record<string, unknown> = { model: turn.model, messages: body.messages, add_generation_prompt: true };
      if (body.tools) rendered.tools = body.tools;
      if (now() < tokenizeMissingUntil) return { tokens: estimateTokens(rendered), exact: false };
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const res = await client.request('POST', '/tokenize', {
        outsideApiBase: true,
        body: JSON.stringify(rendered),
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await readBodyText(res.body, 64 * 1024 * 1024, signal);
      if (UNSUPPORTED.has(res.status)) {
        tokenizeMissingUntil = now() + opts.modelInfoTtlMs;
        return { tokens: estimateTokens(rendered), exact: false };
      }
      if (res.status < 200 || res.status >= 300) throw mapUpstreamHttpError(res.status, text);
      const parsed = parseTokenizeAnswer(text);
      if (parsed.max_model_len !== null) reported.set(turn.model, parsed.max_model_len);
      return { tokens: parsed.count, exact: true };
    },

    async maxModelLen(model, signal) {
      const lengths = await loadModels(signal);
      return lengths.get(model) ?? reported.get(model) ?? null;
    },
  };
}
