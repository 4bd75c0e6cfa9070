/**
 * Limits of the context-management features (conversations, compaction, token counting,
 * truncation), read once from `VR_*` variables at start-up. Every value is documented in the
 * README's "Context management" section.
 */
export interface ContextSettings {
  /** Items one `POST /v1/conversations` or `POST /v1/conversations/{id}/items` may carry. */
  conversationMaxItemsPerCall: number;
  /** How long the upstream's `/v1/models` answer (max_model_len) is reused. */
  modelInfoTtlMs: number;
  /** Upper bound of a `/tokenize` call to the upstream. */
  tokenizeTimeoutMs: number;
  /** Recent user turns a compaction keeps verbatim after the summary. */
  compactionKeepTurns: number;
}

export const CONTEXT_DEFAULTS: ContextSettings = {
  conversationMaxItemsPerCall: 100,
  modelInfoTtlMs: 60_000,
  tokenizeTimeoutMs: 10_000,
  compactionKeepTurns: 2,
};

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number, min = 1): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`invalid ${name}=${JSON.stringify(env[name])}: expected an integer >= ${min}`);
  return n;
}

/** Throws naming the variable for a bad value. */
export function readContextSettings(env: Record<string, string | undefined>): ContextSettings {
  return {
    conversationMaxItemsPerCall: positiveInt(env, 'VR_CONVERSATION_MAX_ITEMS_PER_CALL', CONTEXT_DEFAULTS.conversationMaxItemsPerCall),
    modelInfoTtlMs: positiveInt(env, 'VR_MODEL_INFO_TTL_SEC', CONTEXT_DEFAULTS.modelInfoTtlMs / 1000) * 1000,
    tokenizeTimeoutMs: positiveInt(env, 'VR_TOKENIZE_TIMEOUT_MS', CONTEXT_DEFAULTS.tokenizeTimeoutMs),
    compactionKeepTurns: positiveInt(env, 'VR_COMPACTION_KEEP_TURNS', CONTEXT_DEFAULTS.compactionKeepTurns, 0),
  };
}
