/**
 * The fixed instructions the gateway gives the model when it compacts a conversation (the
 * `/v1/responses/compact` endpoint and automatic compaction). Kept in this one file so the
 * behaviour can be read and tuned in one place.
 */
export const COMPACTION_INSTRUCTIONS = `You are compacting a long conversation so that it can continue within a limited context window.
Write a summary that lets the conversation continue seamlessly without the original messages. Include:
- the user's goals, requests and constraints, in their own terms where it matters;
- decisions made, facts established, and answers already given;
- tool calls that were made and what their results showed (names, key values, errors);
- open questions and the work still to do.
Be concise and factual. Do not invent anything. Do not address the user; write the summary only.`;

/** The final user turn that asks for the summary (after the history being compacted). */
export const COMPACTION_REQUEST = 'Summarize the conversation so far, following the instructions.';

/** How the summary is shown to the model when a compaction item is opened. */
export const SUMMARY_PREFIX = 'Summary of the earlier part of this conversation (it was compacted):\n\n';
