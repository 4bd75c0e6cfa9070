import type { ModelUsage } from '../../model/events.js';

/**
 * Chat Completions `usage` → ModelUsage. Detail objects are optional (vLLM omits them unless
 * prefix caching stats are enabled; OpenAI always sends them), so missing counts are 0.
 */
export function mapUsage(usage: Record<string, unknown>): ModelUsage {
  const prompt = details(usage.prompt_tokens_details);
  const completion = details(usage.completion_tokens_details);
  return {
    input_tokens: count(usage.prompt_tokens),
    output_tokens: count(usage.completion_tokens),
    cached_tokens: count(prompt.cached_tokens),
    reasoning_tokens: count(completion.reasoning_tokens),
  };
}

function details(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.trunc(v) : 0;
}
