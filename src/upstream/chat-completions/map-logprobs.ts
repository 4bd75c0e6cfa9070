import type { LogProb, LogProbTop } from '../../api/items.js';

/**
 * `choice.logprobs.content` of a chunk → LogProb[]. `bytes` may be null or missing (vLLM omits
 * it for some tokenizers); the Responses API requires an array, so it defaults to [].
 */
export function mapLogprobs(logprobs: unknown): LogProb[] {
  if (typeof logprobs !== 'object' || logprobs === null) return [];
  const content = (logprobs as { content?: unknown }).content;
  if (!Array.isArray(content)) return [];
  const out: LogProb[] = [];
  for (const entry of content) {
    const top = mapTop(entry);
    if (!top) continue;
    const alternatives = (entry as { top_logprobs?: unknown }).top_logprobs;
    out.push({
      ...top,
      top_logprobs: Array.isArray(alternatives) ? alternatives.map(mapTop).filter((t): t is LogProbTop => t !== null) : [],
    });
  }
  return out;
}

function mapTop(entry: unknown): LogProbTop | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { token, logprob, bytes } = entry as { token?: unknown; logprob?: unknown; bytes?: unknown };
  if (typeof token !== 'string') return null;
  return {
    token,
    // vLLM reports -inf as -9999.0; a non-number here would break JSON consumers, so clamp to that.
    logprob: typeof logprob === 'number' && Number.isFinite(logprob) ? logprob : -9999,
    bytes: Array.isArray(bytes) ? bytes.filter((b): b is number => typeof b === 'number') : [],
  };
}
