/**
 * Compaction: the model summarises the older part of a conversation; the gateway keeps what
 * must survive verbatim and seals the rest into a compaction item.
 *
 * Input is the model-facing history (compaction items already opened, gateway-tool items
 * already replayed as function calls). It is split at the start of the `keepTurns`-th last
 * user turn; a function call whose output is not in the older part moves the split back to
 * that call, so a call and its output are never separated and unresolved calls survive.
 * System and developer messages of the older part are kept verbatim (pinned) inside the blob,
 * and so are the recent items: the item alone stands for the whole history, which is what lets
 * the endpoint return it after the recent items (OpenAI's order) and lets clients drop
 * everything before the latest compaction item.
 *
 * The summary call is the agent's own next turn with the compaction prompt as its last user
 * message (prompt.ts says why): the caller's instructions, the older history as it was sent
 * (pinned messages in place) and the request's pass-through parameters (`prompt_cache_key`
 * becomes the upstream's cache salt). No tools: the model must answer in text.
 */
import type { CompactionItem, Item } from '../../api/items.js';
import type { IdGenerator } from '../../api/ids.js';
import type { SealedBlobs } from '../../crypto/sealed-blob.js';
import type { ModelUsage } from '../../model/events.js';
import { defaultTurn } from '../../upstream/turn-request.js';
import type { PassThroughParams } from '../../upstream/pass-through.js';
import type { TokenCounter } from '../../upstream/token-counter.js';
import type { TurnRequest, UpstreamAdapter } from '../../upstream/types.js';
import { fitToContext } from '../truncate.js';
import { isPinned, sealCompaction } from './compaction-item.js';
import { COMPACTION_PROMPT } from './prompt.js';

export interface CompactDeps {
  adapter: UpstreamAdapter;
  sealedBlobs: SealedBlobs;
  newId: IdGenerator;
  /** Knows the model's context: the summary call is made to fit it (omitted = sent as is). */
  tokenCounter?: TokenCounter;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * Share of the model's context the summary may take (its `max_tokens`). The history sent to be
 * summarised gets the rest: when it is longer — the very situation compaction is for — its
 * oldest items are left out of the summary call (as `truncation: "auto"` would) rather than the
 * compaction failing with context_length_exceeded.
 */
export const SUMMARY_SHARE = 0.2;

export interface CompactRequest {
  model: string;
  items: Item[];
  keepTurns: number;
  /** The caller's instructions (the agent's system prompt), sent as on its ordinary turns. */
  instructions: string | null;
  /** The request's pass-through parameters (`prompt_cache_key`, `service_tier`, …). */
  params: PassThroughParams;
  signal: AbortSignal;
}

export interface Compacted {
  item: CompactionItem;
  /** The items kept verbatim (sealed inside `item` too): the endpoint shows them before it. */
  recent: Item[];
  usage: ModelUsage;
}

export function splitForCompaction(items: readonly Item[], keepTurns: number): number {
  let split = items.length;
  let turns = 0;
  for (let i = items.length - 1; i >= 0 && turns < keepTurns; i--) {
    const item = items[i]!;
    if (item.type === 'message' && item.role === 'user') {
      split = i;
      turns++;
    }
  }
  const answered = new Set(items.slice(0, split).flatMap((it) => (it.type === 'function_call_output' ? [it.call_id] : [])));
  for (let i = 0; i < split; i++) {
    const item = items[i]!;
    if (item.type === 'function_call' && !answered.has(item.call_id)) return i;
  }
  return split;
}

/** Whether compacting `items` would summarise anything (not only pinned items lie before the kept turns). */
export function hasOlderToSummarise(items: readonly Item[], keepTurns: number): boolean {
  const split = splitForCompaction(items, keepTurns);
  for (let i = 0; i < split; i++) if (!isPinned(items[i]!)) return true;
  return false;
}

async function summarise(deps: CompactDeps, req: CompactRequest, older: Item[]): Promise<{ text: string; usage: ModelUsage }> {
  const usage: ModelUsage = { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };
  if (!older.some((it) => !isPinned(it))) return { text: '', usage };
  const ask: Item = { type: 'message', id: deps.newId('msg'), role: 'user', status: 'completed', content: [{ type: 'input_text', text: COMPACTION_PROMPT }] };
  // Nobody watches the summary being written: one JSON answer is enough (TurnRequest.stream).
  const turn = await fitSummaryCall(deps, req.signal, defaultTurn({ model: req.model, instructions: req.instructions, items: [...older, ask], params: req.params, stream: false, signal: req.signal }));
  let text = '';
  for await (const batch of deps.adapter.streamTurn(turn)) {
    for (const ev of batch) {
      if (ev.type === 'text.delta') text += ev.delta;
      else if (ev.type === 'usage') Object.assign(usage, ev.usage);
    }
  }
  return { text: text.trim(), usage };
}

async function fitSummaryCall(deps: CompactDeps, signal: AbortSignal, turn: TurnRequest): Promise<TurnRequest> {
  if (!deps.tokenCounter) return turn;
  const limit = await deps.tokenCounter.maxModelLen(turn.model, signal);
  if (limit === null) return turn;
  const capped = { ...turn, maxOutputTokens: Math.max(1, Math.floor(limit * SUMMARY_SHARE)) };
  const fitted = await fitToContext(capped, deps.tokenCounter, signal);
  if (fitted.dropped === 0) return capped;
  deps.logger?.warn({ dropped_items: fitted.dropped, input_tokens: fitted.tokens }, 'compaction: the history to summarise exceeds the context; its oldest items were left out of the summary call');
  return { ...capped, items: fitted.items };
}

export async function compact(deps: CompactDeps, req: CompactRequest): Promise<Compacted> {
  const split = splitForCompaction(req.items, req.keepTurns);
  const older = req.items.slice(0, split);
  const recent = req.items.slice(split);
  const pinned = older.filter(isPinned);
  const { text, usage } = await summarise(deps, req, older);
  const item = sealCompaction(deps.sealedBlobs, deps.newId('cmp'), { pinned, summary: text, after: recent });
  return { item, recent, usage };
}
