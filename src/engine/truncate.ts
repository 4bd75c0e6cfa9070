/**
 * `truncation: "auto"`: make a turn fit the model's context by dropping whole items from the
 * oldest end. A function call and its outputs go together (an output without its call, or the
 * reverse, is a request the upstream rejects); system and developer messages stay; the last
 * user message and everything after it (the turn being answered) are never dropped.
 *
 * The budget is `max_model_len` minus `max_output_tokens` (or 1 token when unset). The number
 * of units to drop is found by binary search over exact upstream counts: O(log n) `/tokenize`
 * calls for a history of n items.
 */
import { ApiError } from '../api/errors.js';
import type { Item } from '../api/items.js';
import type { TokenCounter } from '../upstream/token-counter.js';
import type { TurnRequest } from '../upstream/types.js';

export interface Fitted {
  items: Item[];
  /** Items removed (0 when the turn already fitted, or the context size is unknown). */
  dropped: number;
  /** The turn's input tokens after truncation (null when not counted). */
  tokens: number | null;
}

function pinned(item: Item): boolean {
  return item.type === 'message' && (item.role === 'system' || item.role === 'developer');
}

/** Droppable units, oldest first: indices of items that go together. */
export function droppableUnits(items: readonly Item[]): number[][] {
  let lastUser = -1;
  items.forEach((item, i) => {
    if (item.type === 'message' && item.role === 'user') lastUser = i;
  });
  const units: number[][] = [];
  const unitOfCall = new Map<string, number[]>();
  items.forEach((item, i) => {
    if (i >= lastUser || pinned(item)) return;
    if (item.type === 'function_call_output') {
      const unit = unitOfCall.get(item.call_id);
      if (unit) {
        unit.push(i);
        return;
      }
    }
    const unit = [i];
    if (item.type === 'function_call') unitOfCall.set(item.call_id, unit);
    units.push(unit);
  });
  // A call whose output lies in the protected tail must stay with it.
  return units.filter((unit) => unit.every((i) => i < lastUser) && !unit.some((i) => isCallAnsweredAfter(items, i, lastUser)));
}

function isCallAnsweredAfter(items: readonly Item[], i: number, from: number): boolean {
  const item = items[i]!;
  if (item.type !== 'function_call') return false;
  for (let j = from; j < items.length; j++) {
    const later = items[j]!;
    if (later.type === 'function_call_output' && later.call_id === item.call_id) return true;
  }
  return false;
}

export function contextExceeded(tokens: number, budget: number): ApiError {
  return new ApiError(
    400,
    `This model's maximum context length leaves ${budget} tokens for the input, but the input has ${tokens} tokens even after truncation.`,
    'invalid_request_error',
    'input',
    'context_length_exceeded',
  );
}

export async function fitToContext(turn: TurnRequest, counter: TokenCounter, signal?: AbortSignal): Promise<Fitted> {
  const limit = await counter.maxModelLen(turn.model, signal);
  const first = await counter.count(turn, signal);
  if (limit === null) return { items: turn.items, dropped: 0, tokens: first.tokens };
  const budget = limit - Math.max(turn.maxOutputTokens ?? 1, 1);
  if (first.tokens <= budget) return { items: turn.items, dropped: 0, tokens: first.tokens };

  const units = droppableUnits(turn.items);
  const without = (k: number): Item[] => {
    const gone = new Set(units.slice(0, k).flat());
    return turn.items.filter((_, i) => !gone.has(i));
  };
  const countWithout = async (k: number) => (await counter.count({ ...turn, items: without(k) }, signal)).tokens;
  // Smallest k in [1, units.length] whose remainder fits.
  let lo = 1;
  let hi = units.length;
  let best: { k: number; tokens: number } | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const tokens = await countWithout(mid);
    if (tokens <= budget) {
      best = { k: mid, tokens };
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  if (!best) throw contextExceeded(units.length ? await countWithout(units.length) : first.tokens, budget);
  const items = without(best.k);
  return { items, dropped: turn.items.length - items.length, tokens: best.tokens };
}
