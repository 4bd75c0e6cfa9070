/**
 * The fixed prompt the gateway gives the model when it compacts a conversation (the
 * `/v1/responses/compact` endpoint and automatic compaction). Kept in this one file so the
 * behaviour can be read and tuned in one place.
 *
 * It is the last user message of the summary call, after the history being compacted; the
 * system prompt stays the caller's own `instructions` (they describe the agent whose history
 * this is). So the summary call starts with exactly the tokens the agent's ordinary turns start
 * with, and with the same `prompt_cache_key` the upstream's prefix cache serves the whole history
 * instead of recomputing it.
 */
export const COMPACTION_PROMPT = `Stop here: do not continue the conversation and do not call any tool. Instead, summarize the conversation so far so that it can continue within a limited context window, without the original messages. Include:
- the user's goals, requests and constraints, in their own terms where it matters;
- decisions made, facts established, and answers already given;
- tool calls that were made and what their results showed (names, key values, errors);
- open questions and the work still to do.
System and developer instructions are kept separately: do not repeat them.
Be concise and factual. Do not invent anything. Do not address the user; write the summary only.`;

/** How the summary is shown to the model when a compaction item is opened. */
export const SUMMARY_PREFIX = 'Summary of the earlier part of this conversation (it was compacted):\n\n';
